package kleinhirn.core.codec;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void parsesEveryKind() {
        var m = Json.parseObject("{\"a\":1,\"b\":[true,false,null],\"c\":\"x\\u00e9\\n\",\"d\":-2.5e1,\"e\":{}}");
        assertEquals(1L, m.get("a"));
        assertEquals(java.util.Arrays.asList(true, false, null), m.get("b"));
        assertEquals("x\u00e9\n", m.get("c"));
        assertEquals(-25.0, m.get("d"));
        assertEquals(Map.of(), m.get("e"));
    }

    @Test
    void keepsKeyOrderWhenWriting() {
        var m = Json.parseObject("{\"z\":1,\"a\":\"q\\\"\",\"l\":[1,2]}");
        assertEquals("{\"z\":1,\"a\":\"q\\\"\",\"l\":[1,2]}", Json.write(m));
    }

    @Test
    void rejectsMalformedInputWithOffset() {
        for (String bad : List.of("", "{", "{\"a\"}", "[1,]", "01", "\"\u0001\"", "tru", "{} x", "\"\\x\"", "1.", "-")) {
            assertThrows(JsonException.class, () -> Json.parse(bad), bad);
        }
        var e = assertThrows(JsonException.class, () -> Json.parse("[1,}"));
        assertEquals(3, e.offset());
    }

    @Test
    void refusesDeepNesting() {
        assertThrows(JsonException.class, () -> Json.parse("[".repeat(10_000)));
    }

    @Test
    void escapesControlCharactersSoALineStaysOneLine() {
        assertEquals("\"a\\nb\\u0001\\u2028\"", Json.quote("a\nb\u0001\u2028"));
    }

    @Test
    void hugeIntegersBecomeDoubles() {
        assertEquals(1e20, Json.parse("100000000000000000000"));
    }
}
