package kleinhirn.core.codec;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SdNotifyTest {
    static SdNotify.Message parse(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return SdNotify.parse(b, b.length);
    }

    @Test
    void readsTheKeysWeActOn() {
        var m = parse("READY=1\nSTATUS=serving 4 threads\nWATCHDOG=1\n");
        assertTrue(m.ready() && m.watchdog() && !m.stopping() && m.actionable());
        assertEquals("serving 4 threads", m.status());
        assertTrue(parse("STOPPING=1").stopping());
    }

    @Test
    void otherWellFormedKeysAreAcceptedButAskForNothing() {
        var m = parse("BARRIER=1");
        assertNull(m.junk());
        assertFalse(m.actionable());
        assertFalse(parse("READY=0\nMAINPID=12").actionable());
        assertFalse(parse("WATCHDOG=trigger").watchdog());
    }

    @Test
    void junkSaysWhy() {
        assertEquals("empty datagram", SdNotify.parse(new byte[0], 0).junk());
        assertEquals("not UTF-8", SdNotify.parse(new byte[] {(byte) 0xff, 'x'}, 2).junk());
        assertTrue(parse("READY").junk().startsWith("not KEY=VALUE"));
        assertTrue(parse("ready=1").junk().startsWith("not KEY=VALUE"));
        assertTrue(parse("=1").junk().startsWith("not KEY=VALUE"));
    }

    @Test
    void statusIsCut() {
        assertEquals(SdNotify.MAX_STATUS, parse("STATUS=" + "x".repeat(1000)).status().length());
    }

    @Test
    void onlyTheGivenLengthCounts() {
        byte[] b = "READY=1garbage".getBytes(StandardCharsets.UTF_8);
        assertTrue(SdNotify.parse(b, 7).ready());
    }
}
