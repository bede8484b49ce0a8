package kleinhirn.core.codec;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class EinhornWireTest {
    @Test
    void rubyYamlDumpOfAnAck() {
        // Einhorn::Client::Transport.serialize_message({'command' => 'worker:ack', 'pid' => 123})
        var r = EinhornWire.parse("---%0Acommand: worker:ack%0Apid: 123%0A");
        assertTrue(r.yaml());
        assertEquals("worker:ack", r.command());
        assertEquals(123, r.pid());
    }

    @Test
    void jsonAck() {
        var r = EinhornWire.parse("{\"command\":\"worker:ack\", \"pid\":4567}");
        assertFalse(r.yaml());
        assertEquals(4567, r.pid());
    }

    @Test
    void escapingRoundTrips() {
        String s = "100% sure\n%0A literally";
        assertEquals(s, EinhornWire.unescape(EinhornWire.escape(s)));
        assertFalse(EinhornWire.escape(s).contains("\n"));
    }

    @Test
    void yamlScalarsListsAndSymbols() {
        var r = EinhornWire.parse(EinhornWire.escape("---\ncommand: signal\nargs:\n- USR2\n- 'it''s'\nid: \"x\"\n:sym: ~\n"));
        assertEquals("signal", r.command());
        assertEquals(List.of("USR2", "it's"), r.fields().get("args"));
        assertEquals("x", r.requestId());
        assertTrue(r.fields().containsKey("sym"));
        assertEquals(-1, r.pid());
    }

    @Test
    void pidMustBeAPositiveInteger() {
        assertEquals(-1, EinhornWire.parse("{\"command\":\"worker:ack\",\"pid\":-3}").pid());
        assertEquals(-1, EinhornWire.parse("{\"command\":\"worker:ack\",\"pid\":1.5}").pid());
        assertEquals(-1, EinhornWire.parse("{\"command\":\"worker:ack\",\"pid\":99999999999}").pid());
        assertEquals(42, EinhornWire.parse("{\"command\":\"worker:ack\",\"pid\":\"42\"}").pid());
    }

    @Test
    void garbageIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> EinhornWire.parse("{not json"));
        assertThrows(IllegalArgumentException.class, () -> EinhornWire.parse("just words"));
        assertThrows(IllegalArgumentException.class, () -> EinhornWire.parse("---%0A"));
    }

    @Test
    void repliesInTheRequestsFormat() {
        var y = EinhornWire.parse("---%0Acommand: state%0Aid: 5%0A");
        assertEquals("---%0Amessage: \"no\"%0Arequest_id: 5%0A\n", EinhornWire.reply(y, "no"));
        var j = EinhornWire.parse("{\"command\":\"state\",\"request_id\":\"a\"}");
        assertEquals("{\"message\":\"no\",\"request_id\":\"a\"}\n", EinhornWire.reply(j, "no"));
        assertEquals("---%0Amessage: \"100%25\"%0A\n", EinhornWire.reply(null, "100%"));
    }
}
