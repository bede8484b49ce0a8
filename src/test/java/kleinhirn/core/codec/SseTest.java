package kleinhirn.core.codec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseTest {
    private static List<Sse.Event> decode(String s) throws SseException {
        return new Sse.Decoder().feed(s.getBytes(UTF_8));
    }

    @Test
    void encodesStateFrameExactly() {
        assertEquals("event: state\ndata: {\"up\":true}\n\n", new String(Sse.encode("state", "{\"up\":true}"), UTF_8));
        assertEquals("event: error\ndata: {\"error\":\"container is not down\"}\n\n",
                new String(Sse.encode("error", "{\"error\":\"container is not down\"}"), UTF_8));
        assertEquals("event: x\ndata: a\ndata: b\n\n", new String(Sse.encode("x", "a\nb"), UTF_8));
        assertEquals("event: stop\ndata\n\n", new String(Sse.encode("stop", ""), UTF_8));
    }

    @Test
    void decodesTheAgentsAndTheReadmesCommands() throws Exception {
        assertEquals(List.of(new Sse.Event("stop", "")), decode("event: stop\ndata\n\n"));
        assertEquals(List.of(new Sse.Event("stop", "")), decode("event: stop\n\n"));
        assertEquals(List.of(new Sse.Event("kill", "")), decode("event:kill\r\n\r\n"));
        assertEquals(List.of(new Sse.Event("exit", "x")), decode("event:  exit\r\ndata:x\r\n\r\n").stream()
                .map(e -> new Sse.Event(e.type().strip(), e.data())).toList());
    }

    @Test
    void onlyOneSpaceAfterTheColonIsStripped() throws Exception {
        assertEquals(List.of(new Sse.Event(" exit", "")), decode("event:  exit\n\n"));
    }

    @Test
    void commentsIdRetryAndUnknownFieldsAreIgnored() throws Exception {
        assertEquals(List.of(new Sse.Event("message", "hi"), new Sse.Event("bogus", "")),
                decode(": a comment\nretry: 10\nfoo: bar\ndata: hi\n\n:only a comment\n\nid: 7\nevent: bogus\n\n"));
    }

    @Test
    void multipleDataLinesJoinAndBomIsSkipped() throws Exception {
        assertEquals(List.of(new Sse.Event("message", "a\nb")), decode("\uFEFFdata: a\ndata: b\n\n"));
    }

    @Test
    void loneCrIsNotALineEnd() throws Exception {
        assertEquals(List.of(new Sse.Event("a\rb", "")), decode("event: a\rb\n\n"));
    }

    @Test
    void eventsSplitAcrossReadsAreReassembled() throws Exception {
        Sse.Decoder d = new Sse.Decoder();
        byte[] all = "event: stop\r\n\r\nevent: kill\n\n".getBytes(UTF_8);
        List<Sse.Event> out = new ArrayList<>();
        for (byte b : all) out.addAll(d.feed(new byte[] {b}));
        assertEquals(List.of(new Sse.Event("stop", ""), new Sse.Event("kill", "")), out);
    }

    @Test
    void longLinesAreBoundedButTheLimitItselfIsFine() throws Exception {
        String ok = "data: " + "x".repeat(Sse.MAX_LINE - 6) + "\n\n";
        assertEquals(Sse.MAX_LINE - 6, decode(ok).get(0).data().length());
        Sse.Decoder d = new Sse.Decoder();
        assertThrows(SseException.class, () -> d.feed(("data: " + "x".repeat(Sse.MAX_LINE)).getBytes(UTF_8)));
    }

    @Test
    void invalidUtf8IsAnError() {
        assertThrows(SseException.class, () -> new Sse.Decoder().feed(new byte[] {'e', 'v', (byte) 0xff, '\n'}));
    }

    @Test
    void roundTripsThroughTheDecoder() throws Exception {
        assertEquals(List.of(new Sse.Event("state", "{\"up\":false}")), new Sse.Decoder().feed(Sse.encode("state", "{\"up\":false}")));
    }

    @Test
    void endlessDataLinesWithoutABlankLineAreRefused() throws SseException {
        var d = new Sse.Decoder();
        byte[] line = ("data: " + "x".repeat(1000) + "\n").getBytes(UTF_8);
        assertThrows(SseException.class, () -> {
            for (int i = 0; i < 1000; i++) d.feed(line);
        });
    }
}
