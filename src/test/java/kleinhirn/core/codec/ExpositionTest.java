package kleinhirn.core.codec;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class ExpositionTest {
    @Test
    void escapesHelpAndLabelValuesAsTheFormatSays() {
        String text = new Exposition()
                .family("x_total", Exposition.Type.COUNTER, "back\\slash and\nnewline \"quotes\" stay")
                .sample(3, "path", "C:\\dir \"q\"\nnext")
                .text();
        assertEquals("""
                # HELP x_total back\\\\slash and\\nnewline "quotes" stay
                # TYPE x_total counter
                x_total{path="C:\\\\dir \\"q\\"\\nnext"} 3
                """, text);
        var f = ExpositionParser.parse(text).get("x_total");
        assertEquals("C:\\dir \"q\"\nnext", f.samples().getFirst().labels().get("path"));
        assertEquals("back\\slash and\nnewline \"quotes\" stay", f.help());
    }

    @Test
    void formatsNumbersWithoutExponentsOrTrailingZeros() {
        assertEquals("0", Exposition.number(0));
        assertEquals("42", Exposition.number(42));
        assertEquals("0.005", Exposition.number(0.005));
        assertEquals("0.0001", Exposition.number(1e-4));
        assertEquals("2.5", Exposition.number(2.5));
        assertEquals("+Inf", Exposition.number(Double.POSITIVE_INFINITY));
        assertEquals("-Inf", Exposition.number(Double.NEGATIVE_INFINITY));
        assertEquals("NaN", Exposition.number(Double.NaN));
        assertEquals("60162048", Exposition.number(60162048L));
    }

    @Test
    void refusesWhatAScraperWouldReject() {
        assertThrows(IllegalArgumentException.class, () -> new Exposition().family("1bad", Exposition.Type.GAUGE, "h"));
        assertThrows(IllegalArgumentException.class, () -> new Exposition().family("ok", Exposition.Type.GAUGE, "h").sample(1, "le-x", "v"));
        assertThrows(IllegalArgumentException.class, () -> new Exposition().family("ok", Exposition.Type.GAUGE, "h").sample(1, "__x", "v"));
        assertThrows(IllegalArgumentException.class, () -> new Exposition().family("ok", Exposition.Type.GAUGE, "h").sample("_sum", 1));
        assertThrows(IllegalArgumentException.class, () -> new Exposition().family("ok", Exposition.Type.HISTOGRAM, "h").sample(1));
        assertThrows(IllegalStateException.class, () -> new Exposition().sample(1));
    }

    @Test
    void theTestParserIsStrict() {
        for (String bad : List.of(
                "x 1\n",                                                        // no TYPE
                "# HELP x h\n# TYPE x gauge\nx 1",                              // no final newline
                "# HELP x h\n# TYPE x gauge\nx{a=\"\\q\"} 1\n",                 // bad escape
                "# HELP x h\n# TYPE x gauge\nx{a=\"b} 1\n",                     // unterminated
                "# HELP x h\n# TYPE x gauge\nx 1e\n",                           // bad value
                "# HELP x h\n# TYPE x gauge\n# HELP y h\n# TYPE y gauge\ny 1\nx 1\n", // interleaved
                "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
                "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n")) {
            assertThrows(IllegalArgumentException.class, () -> ExpositionParser.parse(bad), bad);
        }
    }
}
