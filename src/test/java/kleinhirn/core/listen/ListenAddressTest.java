package kleinhirn.core.listen;

import static org.junit.jupiter.api.Assertions.*;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ListenAddressTest {
    private static ListenAddress ok(String text) {
        return assertDoesNotThrow(() -> ListenAddress.parse(text));
    }

    private static String bad(String text) {
        return assertThrows(ListenAddress.Invalid.class, () -> ListenAddress.parse(text)).getMessage();
    }

    @Test
    void tcpHostsIpv4Ipv6NamesAndAll() {
        assertEquals(new ListenAddress.Tcp("tcp://127.0.0.1:8080", "127.0.0.1", 8080, "unknown", OptionalInt.empty()),
                ok("tcp://127.0.0.1:8080"));
        assertEquals("::", ((ListenAddress.Tcp) ok("tcp://[::]:80")).host());
        assertEquals("::1", ((ListenAddress.Tcp) ok("tcp://[::1]:80")).host());
        assertEquals("0.0.0.0", ((ListenAddress.Tcp) ok("tcp://:80")).host());
        assertEquals("localhost", ((ListenAddress.Tcp) ok("tcp://localhost:80")).host());
    }

    @Test
    void options() {
        assertEquals(new ListenAddress.Tcp("tcp://0.0.0.0:8080?backlog=16&name=http", "0.0.0.0", 8080, "http",
                OptionalInt.of(16)), ok("tcp://0.0.0.0:8080?backlog=16&name=http"));
        assertEquals(new ListenAddress.Unix("unix:///run/app.sock?mode=0660", "/run/app.sock", OptionalInt.of(0660),
                "unknown", OptionalInt.empty()), ok("unix:///run/app.sock?mode=0660"));
        assertEquals("rel/app.sock", ((ListenAddress.Unix) ok("unix://rel/app.sock")).path());
    }

    @Test
    void badAddressesSayWhy() {
        assertTrue(bad("http://x:1").contains("scheme must be tcp:// or unix://"));
        assertTrue(bad("tcp://127.0.0.1").contains("no port"));
        assertTrue(bad("tcp://127.0.0.1:65536").contains("out of range"));
        assertTrue(bad("tcp://127.0.0.1:http").contains("not a number"));
        assertTrue(bad("tcp://:::80").contains("brackets"));
        assertTrue(bad("tcp://[::1:80").contains("unclosed"));
        assertTrue(bad("tcp://1.2.3.4:80?mode=0600").contains("unix sockets only"));
        assertTrue(bad("unix://").contains("no path"));
        assertTrue(bad("unix:///a?mode=999").contains("octal"));
        assertTrue(bad("unix:///a?mode=0660&mode=0600").contains("twice"));
        assertTrue(bad("unix:///a?owner=x").contains("unknown option 'owner'"));
        assertTrue(bad("tcp://:80?name=a:b").contains("without ':'"));
        assertTrue(bad("tcp://:80?backlog=0").contains("out of range"));
    }
}
