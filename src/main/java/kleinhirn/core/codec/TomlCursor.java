package kleinhirn.core.codec;

import java.util.Arrays;

/**
 * The lexical half of {@link Toml}: a position in the text, whitespace, newlines, comments, keys
 * and the four kinds of string. Every error is raised through {@link #error(String, int)}, which
 * turns an offset into a line and column.
 */
final class TomlCursor {
    /** A possibly dotted key: its parts and the offset at which each part starts. */
    record Key(String[] parts, int[] at) {
        int last() { return parts.length - 1; }

        /** The parts 0..n joined with dots, quoting those that are not bare keys. */
        String name(int n) {
            StringBuilder b = new StringBuilder();
            for (int k = 0; k <= n; k++) {
                if (k > 0) b.append('.');
                String p = parts[k];
                boolean bare = !p.isEmpty();
                for (int j = 0; j < p.length() && bare; j++) bare = isBare(p.charAt(j));
                if (bare) b.append(p);
                else Json.quote(b, p);
            }
            return b.toString();
        }
    }

    final String s;
    int i;

    TomlCursor(String s) { this.s = s; }

    boolean atEnd() { return i >= s.length(); }

    char peek() { return i < s.length() ? s.charAt(i) : '\0'; }

    char peek(int ahead) {
        int k = i + ahead;
        return k < s.length() ? s.charAt(k) : '\0';
    }

    boolean startsWith(String t) { return s.startsWith(t, i); }

    static boolean isBare(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    static boolean isDigit(char c) { return c >= '0' && c <= '9'; }

    /** Control characters TOML forbids in strings and comments: all but tab (newlines are handled apart). */
    static boolean isControl(char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

    /** Skips spaces and tabs. */
    void ws() {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) i++;
    }

    /** True at LF or CRLF; a lone CR is an error. */
    boolean atNewline() {
        char c = peek();
        if (c == '\n') return true;
        if (c == '\r') {
            if (peek(1) == '\n') return true;
            throw error("carriage return must be followed by a line feed");
        }
        return false;
    }

    void skipNewline() { i += s.charAt(i) == '\r' ? 2 : 1; }

    /** Skips a comment if one starts here, leaving the cursor at the newline or the end. */
    void comment() {
        if (peek() != '#') return;
        i++;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\n' || (c == '\r' && peek(1) == '\n')) return;
            if (isControl(c)) throw error("control character " + describe() + " in comment");
            i++;
        }
    }

    /** Skips whitespace, comments and newlines. */
    void blankLines() {
        while (true) {
            ws();
            comment();
            if (!atNewline()) return;
            skipNewline();
        }
    }

    /** After an expression: whitespace, an optional comment, then a newline or the end of input. */
    void endOfLine(String after) {
        ws();
        comment();
        if (atEnd()) return;
        if (atNewline()) { skipNewline(); return; }
        throw error("expected a newline after " + after + ", found " + describe());
    }

    /** What is at the cursor, for messages. */
    String describe() {
        if (atEnd()) return "end of input";
        char c = s.charAt(i);
        if (c == '\n' || c == '\r') return "end of line";
        if (isControl(c) || c > 0x7e) return String.format("U+%04X", s.codePointAt(i));
        return "'" + c + "'";
    }

    // ---- keys ----

    /** A simple or dotted key, with the whitespace around it and its dots. */
    Key key() {
        String[] parts = new String[4];
        int[] at = new int[4];
        int n = 0;
        while (true) {
            ws();
            if (n == parts.length) {
                parts = Arrays.copyOf(parts, n * 2);
                at = Arrays.copyOf(at, n * 2);
            }
            at[n] = i;
            parts[n++] = simpleKey();
            ws();
            if (peek() != '.') return new Key(Arrays.copyOf(parts, n), Arrays.copyOf(at, n));
            i++;
        }
    }

    private String simpleKey() {
        char c = peek();
        if (c == '"') {
            if (startsWith("\"\"\"")) throw error("a multi-line string cannot be a key");
            return basicString();
        }
        if (c == '\'') {
            if (startsWith("'''")) throw error("a multi-line string cannot be a key");
            return literalString();
        }
        int start = i;
        while (i < s.length() && isBare(s.charAt(i))) i++;
        if (i == start) throw error("expected a key, found " + describe());
        return s.substring(start, i);
    }

    // ---- strings ----

    /** {@code "..."} with escapes. */
    String basicString() {
        i++;
        StringBuilder b = null;
        int start = i;
        while (true) {
            if (atEnd() || s.charAt(i) == '\n' || s.charAt(i) == '\r') throw error("unterminated string");
            char c = s.charAt(i);
            if (c == '"') {
                String r = b == null ? s.substring(start, i) : b.append(s, start, i).toString();
                i++;
                return r;
            }
            if (c == '\\') {
                if (b == null) b = new StringBuilder();
                b.append(s, start, i);
                i++;
                escape(b);
                start = i;
            } else {
                if (isControl(c)) throw error("control character " + describe() + " in string; use an escape");
                i++;
            }
        }
    }

    /** {@code """..."""}: newlines kept (CRLF becomes LF), first newline trimmed, line-ending backslash. */
    String multiLineBasicString() {
        int open = i;
        i += 3;
        if (atNewline()) skipNewline();
        StringBuilder b = new StringBuilder();
        while (true) {
            if (atEnd()) throw error("unterminated multi-line string", open);
            char c = s.charAt(i);
            if (c == '"' && startsWith("\"\"\"")) return closeMultiLine(b, '"');
            if (c == '\\') {
                i++;
                int k = i;
                while (k < s.length() && (s.charAt(k) == ' ' || s.charAt(k) == '\t')) k++;
                int save = i;
                i = k;
                if (!atEnd() && atNewline()) {
                    // Line-ending backslash: drop it and all whitespace and newlines after it.
                    while (true) {
                        ws();
                        if (atEnd() || !atNewline()) break;
                        skipNewline();
                    }
                } else {
                    i = save;
                    escape(b);
                }
            } else if (c == '\n' || c == '\r') {
                atNewline();
                skipNewline();
                b.append('\n');
            } else {
                if (isControl(c)) throw error("control character " + describe() + " in string; use an escape");
                b.append(c);
                i++;
            }
        }
    }

    /** {@code '...'}: no escapes. */
    String literalString() {
        i++;
        int start = i;
        while (true) {
            if (atEnd() || s.charAt(i) == '\n' || s.charAt(i) == '\r') throw error("unterminated literal string");
            char c = s.charAt(i);
            if (c == '\'') {
                i++;
                return s.substring(start, i - 1);
            }
            if (isControl(c)) throw error("control character " + describe() + " in literal string");
            i++;
        }
    }

    /** {@code '''...'''}: no escapes, newlines kept (CRLF becomes LF), first newline trimmed. */
    String multiLineLiteralString() {
        int open = i;
        i += 3;
        if (atNewline()) skipNewline();
        StringBuilder b = new StringBuilder();
        while (true) {
            if (atEnd()) throw error("unterminated multi-line literal string", open);
            char c = s.charAt(i);
            if (c == '\'' && startsWith("'''")) return closeMultiLine(b, '\'');
            if (c == '\n' || c == '\r') {
                atNewline();
                skipNewline();
                b.append('\n');
            } else {
                if (isControl(c)) throw error("control character " + describe() + " in literal string");
                b.append(c);
                i++;
            }
        }
    }

    /** At three or more quotes: up to two of them may belong to the content. */
    private String closeMultiLine(StringBuilder b, char q) {
        int run = 3;
        while (peek(run) == q) run++;
        if (run > 5) throw error("too many quotes at the end of a multi-line string", i + 5);
        for (int k = 3; k < run; k++) b.append(q);
        i += run;
        return b.toString();
    }

    /** After a backslash: one escape sequence. */
    private void escape(StringBuilder b) {
        char e = peek();
        switch (e) {
            case 'b' -> b.append('\b');
            case 't' -> b.append('\t');
            case 'n' -> b.append('\n');
            case 'f' -> b.append('\f');
            case 'r' -> b.append('\r');
            case '"' -> b.append('"');
            case '\\' -> b.append('\\');
            case 'u', 'U' -> {
                int digits = e == 'u' ? 4 : 8;
                int cp = 0;
                for (int k = 1; k <= digits; k++) {
                    int d = Character.digit(peek(k), 16);
                    if (d < 0 || peek(k) > 0x7f) throw error("\\" + e + " needs " + digits + " hex digits", i - 1);
                    cp = cp * 16 + d;
                }
                if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                    throw error("escape \\" + s.substring(i, i + 1 + digits) + " is not a Unicode scalar value", i - 1);
                }
                b.appendCodePoint(cp);
                i += digits;
            }
            default -> throw error("invalid escape '\\" + (atEnd() || isControl(e) ? "" : String.valueOf(e)) + "'", i - 1);
        }
        i++;
    }

    // ---- errors ----

    TomlException error(String reason) { return error(reason, i); }

    TomlException error(String reason, int at) {
        int line = 1;
        int lineStart = 0;
        int end = Math.min(at, s.length());
        for (int k = 0; k < end; k++) {
            if (s.charAt(k) == '\n') {
                line++;
                lineStart = k + 1;
            }
        }
        return new TomlException(reason, line, s.codePointCount(lineStart, end) + 1);
    }
}
