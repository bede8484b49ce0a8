package kleinhirn.core.codec;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Golden escapes per format; the same input through each shows what each one adds. */
class EscaperTest {
    private static final String ALL = "a\"b\\c\nd\re\tf\u0001g\u007fh\u2028i<&>j\uD83D\uDE00k\uD800l ü";

    @Test
    void json() {
        assertEquals("\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\u007fh\\u2028i<&>j\uD83D\uDE00k\uD800l ü\"", Escaper.JSON.quoted(ALL));
    }

    @Test
    void logfmtAlsoEscapesDel() {
        assertEquals("\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u007fh\\u2028i<&>j\uD83D\uDE00k\uD800l ü\"", Escaper.LOGFMT.quoted(ALL));
    }

    @Test
    void prometheusLabelAndHelp() {
        StringBuilder b = new StringBuilder();
        Escaper.LABEL.append(b, ALL);
        assertEquals("a\\\"b\\\\c\\nd\re\tf\u0001g\u007fh\u2028i<&>j\uD83D\uDE00k\uD800l ü", b.toString());
        b.setLength(0);
        Escaper.HELP.append(b, ALL);
        assertEquals("a\"b\\\\c\\nd\re\tf\u0001g\u007fh\u2028i<&>j\uD83D\uDE00k\uD800l ü", b.toString());
    }

    @Test
    void goJsonAsEncodingJson() {
        assertEquals("\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\u007fh\\u2028i\\u003c\\u0026\\u003ej\uD83D\uDE00k\\ufffdl ü\"",
                Escaper.GO_JSON.quoted(ALL));
    }

    @Test
    void aTrailingHighSurrogateIsLoneToo() {
        assertEquals("\"x\\ufffd\"", Escaper.GO_JSON.quoted("x\uD83D"));
        assertEquals("\"x\uD83D\"", Escaper.JSON.quoted("x\uD83D"));
    }
}
