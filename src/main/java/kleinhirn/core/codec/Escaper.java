package kleinhirn.core.codec;

import java.util.EnumSet;
import java.util.Set;

/**
 * The one string escaper for our text formats. Every format escapes backslash and newline (so a
 * value never breaks a line); each adds what its grammar needs. Non-ASCII text passes through
 * unchanged, escapes are lowercase {@code \}{@code uXXXX}.
 */
public final class Escaper {
    public enum Also {
        /** {@code "} as {@code \"}. */
        QUOTE,
        /** CR and TAB by name ({@code \r}, {@code \t}). */
        CR_TAB,
        /** The other C0 controls as {@code \}{@code u00XX}. */
        CONTROLS,
        /** DEL (0x7f) as {@code \}{@code u007f}. */
        DEL,
        /** U+2028 and U+2029, so the text is also a valid JavaScript string. */
        LINE_SEPARATORS,
        /** {@code < > &} as {@code \}{@code u00XX}, as Go's encoding/json does by default. */
        HTML,
        /** A lone surrogate (invalid UTF-16) as {@code \}{@code ufffd}, as Go's encoder does. */
        LONE_SURROGATES
    }

    /** JSON string contents (RFC 8259), and TOML basic strings, which accept the same escapes. */
    public static final Escaper JSON = of(Also.QUOTE, Also.CR_TAB, Also.CONTROLS, Also.LINE_SEPARATORS);
    /** A quoted logfmt value: JSON's escapes, and DEL, so a line stays printable. */
    public static final Escaper LOGFMT = of(Also.QUOTE, Also.CR_TAB, Also.CONTROLS, Also.LINE_SEPARATORS, Also.DEL);
    /** A Prometheus label value; also the health bodies' quoted reason (Rust's {:?} of our texts). */
    public static final Escaper LABEL = of(Also.QUOTE);
    /** A Prometheus HELP text: backslash and newline only. */
    public static final Escaper HELP = of();
    /**
     * Go's encoding/json, for harpoon's state JSON (harpoon.StateJson.goString is to switch to it:
     * the harpoon packages are being renamed in parallel, so the switch is theirs).
     */
    public static final Escaper GO_JSON = of(Also.QUOTE, Also.CR_TAB, Also.CONTROLS, Also.LINE_SEPARATORS, Also.HTML,
            Also.LONE_SURROGATES);

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final Set<Also> also;

    private Escaper(Set<Also> also) {
        this.also = also;
    }

    private static Escaper of(Also... also) {
        EnumSet<Also> set = EnumSet.noneOf(Also.class);
        set.addAll(java.util.List.of(also));
        return new Escaper(set);
    }

    /** Appends {@code s} escaped, without quotes. */
    public void append(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '"' -> b.append(also.contains(Also.QUOTE) ? "\\\"" : "\"");
                case '\r' -> named(b, c, "\\r");
                case '\t' -> named(b, c, "\\t");
                default -> {
                    if (escapes(c)) {
                        unicode(b, c);
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        b.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c) && also.contains(Also.LONE_SURROGATES)) {
                        b.append("\\ufffd");
                    } else {
                        b.append(c);
                    }
                }
            }
        }
    }

    /** Appends {@code s} escaped, between double quotes. */
    public void quote(StringBuilder b, String s) {
        b.append('"');
        append(b, s);
        b.append('"');
    }

    /** {@code s} escaped, between double quotes. */
    public String quoted(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2);
        quote(b, s);
        return b.toString();
    }

    private void named(StringBuilder b, char c, String name) {
        if (also.contains(Also.CR_TAB)) b.append(name);
        else if (also.contains(Also.CONTROLS)) unicode(b, c);
        else b.append(c);
    }

    private boolean escapes(char c) {
        return (c < 0x20 && also.contains(Also.CONTROLS))
                || (c == 0x7f && also.contains(Also.DEL))
                || ((c == '\u2028' || c == '\u2029') && also.contains(Also.LINE_SEPARATORS))
                || ((c == '<' || c == '>' || c == '&') && also.contains(Also.HTML));
    }

    private static void unicode(StringBuilder b, char c) {
        b.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
    }
}
