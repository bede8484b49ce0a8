package kleinhirn.core.log;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Golden lines for the three log formats. */
class LogFormatTest {
    static final Instant TS = Instant.parse("2026-11-21T12:00:00.123Z");
    static final List<Object> CTX = List.of("logger", "kleinhirn", "service", "web");

    @Test
    void logfmt() {
        var rec = Log.info("worker acked", "worker_id", "ab-12", "pid", 123, "ack_ms", 5L);
        assertEquals("ts=2026-11-21T12:00:00.123Z level=info logger=kleinhirn service=web msg=\"worker acked\" worker_id=ab-12 pid=123 ack_ms=5\n",
                LogFormat.LOGFMT.encode(rec, TS, CTX));
    }

    @Test
    void logfmtQuotesAndEscapesSoALineStaysOneLine() {
        var rec = Log.warn("bad\nline", "line", "a \"q\" \\ b\nc\td\u0001", "empty", "", "safe", "a-b.c_d/e@f^g+h:i");
        assertEquals("ts=2026-11-21T12:00:00.123Z level=warning logger=kleinhirn service=web msg=\"bad\\nline\" "
                + "line=\"a \\\"q\\\" \\\\ b\\nc\\td\\u0001\" empty=\"\" safe=a-b.c_d/e@f^g+h:i\n", LogFormat.LOGFMT.encode(rec, TS, CTX));
    }

    @Test
    void nullFieldsAreLeftOut() {
        var rec = Log.info("x", "a", null, "b", 1);
        assertTrue(LogFormat.LOGFMT.encode(rec, TS, CTX).endsWith("msg=x b=1\n"));
    }

    @Test
    void prefixFormOfTheOriginal() {
        var rec = Log.info("worker acked", "pid", 123);
        assertEquals("info | worker acked\tlogger=kleinhirn service=web pid=123\n", LogFormat.LOGFMT_PREFIX.encode(rec, TS, CTX));
        var tagged = new Log(Level.DEBUG, "worker starting", "preloader", Arrays.asList("child_id", "x"));
        assertEquals("debug | #preloader\tworker starting\tlogger=kleinhirn service=web child_id=x\n",
                LogFormat.LOGFMT_PREFIX.encode(tagged, TS, CTX));
    }

    @Test
    void json() {
        var rec = Log.warn("worker died", "pid", 7, "signal", "KILL", "failed_start", true);
        assertEquals("{\"ts\":\"2026-11-21T12:00:00.123Z\",\"level\":\"warning\",\"msg\":\"worker died\",\"logger\":\"kleinhirn\","
                + "\"service\":\"web\",\"pid\":7,\"signal\":\"KILL\",\"failed_start\":true}\n", LogFormat.JSON.encode(rec, TS, CTX));
    }

    @Test
    void levelsParseAsConfigured() {
        assertEquals(Level.WARNING, Level.parse("warning"));
        assertEquals(Level.CRITICAL, Level.parse("critical"));
        assertNull(Level.parse("loud"));
    }

    @Test
    void keysFromOutsideCannotForgeALine() {
        var rec = Log.info("x", "a\nts=2020 level=critical msg=forged y", "v", "", "ok");
        String line = LogFormat.LOGFMT.encode(rec, TS, CTX);
        assertEquals(1, line.split("\n", -1).length - 1, line);
        assertTrue(line.endsWith("msg=x a_ts_2020_level_critical_msg_forged_y=v _=ok\n"), line);
    }
}
