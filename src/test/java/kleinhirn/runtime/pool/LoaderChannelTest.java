package kleinhirn.runtime.pool;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import kleinhirn.core.codec.LoaderMessage;
import kleinhirn.core.codec.LoaderWire;
import kleinhirn.core.log.Log;
import org.junit.jupiter.api.Test;

/** The loader's log lines keep one type per field: a pid is a number however the loader sent it. */
class LoaderChannelTest {
    static List<Object> fields(String line) {
        Log l = LoaderChannel.relayed((LoaderMessage.Relayed) LoaderWire.decodeReport(line));
        assertEquals("preloader", l.tag());
        return l.kv();
    }

    @Test
    void numbersAndBooleansKeepTheirTypeAndAStringPidBecomesANumber() {
        assertEquals(List.of("worker_id", "w-1", "pid", 42L),
                fields("{\"action\":\"log\",\"level\":\"info\",\"msg\":\"worker starting\",\"worker_id\":\"w-1\",\"pid\":42}"));
        assertEquals(List.of("child_id", "w-1", "pid", 42L),
                fields("{\"action\":\"log\",\"msg\":\"worker starting\",\"child_id\":\"w-1\",\"pid\":\"42\"}"));
        assertEquals(java.util.Arrays.asList("pid", null, "ok", true, "n", 1.5),
                fields("{\"action\":\"log\",\"msg\":\"x\",\"pid\":\"not a pid\",\"ok\":true,\"n\":1.5}"));
    }
}
