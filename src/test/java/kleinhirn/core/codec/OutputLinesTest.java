package kleinhirn.core.codec;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputLinesTest {
    record Line(String text, boolean split) {}

    static List<Line> cut(int max, String... chunks) {
        List<Line> out = new ArrayList<>();
        OutputLines lines = new OutputLines(max);
        for (String c : chunks) {
            byte[] b = c.getBytes(StandardCharsets.UTF_8);
            lines.feed(b, 0, b.length, (t, s) -> out.add(new Line(t, s)));
        }
        lines.end((t, s) -> out.add(new Line(t, s)));
        return out;
    }

    @Test
    void linesAcrossChunksAndCrlfAndALastLineWithoutNewline() {
        assertEquals(List.of(new Line("hello world", false), new Line("two", false), new Line("", false),
                new Line("tail", false)), cut(64, "hel", "lo world\ntwo\r\n", "\ntail"));
    }

    @Test
    void aLongLineIsSplitAndEveryPieceButTheLastIsMarked() {
        assertEquals(List.of(new Line("abcd", true), new Line("efgh", true), new Line("ij", false), new Line("k", false)),
                cut(4, "abcdefghij\nk\n"));
        assertEquals(List.of(new Line("abcd", false)), cut(4, "abcd\n"), "exactly max is not split");
    }

    @Test
    void piecesNeverCutAUtf8Character() {
        // "ab€" is 5 bytes (€ = 3); a 4-byte piece would cut the euro sign.
        assertEquals(List.of(new Line("ab", true), new Line("€c", false)), cut(4, "ab€c\n"));
        assertEquals(List.of(new Line("a", true), new Line("\uD83D\uDE00", false)), cut(4, "a\uD83D\uDE00\n"));
    }

    @Test
    void invalidUtf8IsReplacedNotFatal() {
        List<Line> out = new ArrayList<>();
        OutputLines lines = new OutputLines(8);
        byte[] junk = {(byte) 0xff, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
                (byte) 0x80, (byte) 0x80, (byte) 0x80, '\n'};
        lines.feed(junk, 0, junk.length, (t, s) -> out.add(new Line(t, s)));
        assertEquals(2, out.size());
        assertTrue(out.getFirst().split());
        assertTrue(out.stream().allMatch(l -> l.text().chars().allMatch(c -> c == '\uFFFD')), out.toString());
    }

    @Test
    void memoryIsOneBufferWhateverTheInput() {
        OutputLines lines = new OutputLines(16);
        byte[] big = new byte[1 << 20];
        java.util.Arrays.fill(big, (byte) 'x');
        int[] pieces = {0};
        lines.feed(big, 0, big.length, (t, s) -> {
            assertTrue(t.length() <= 16);
            pieces[0]++;
        });
        assertEquals((1 << 20) / 16 - 1, pieces[0], "the last full buffer waits for its newline or more bytes");
    }
}
