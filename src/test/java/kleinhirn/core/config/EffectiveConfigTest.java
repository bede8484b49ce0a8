package kleinhirn.core.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import kleinhirn.core.codec.Toml;
import org.junit.jupiter.api.Test;

/** `kleinhirn check` prints TOML that kleinhirn reads back to the same configuration. */
class EffectiveConfigTest {
    private static String roundTrip(String toml) {
        ConfigReader.Result r = ConfigReader.read(Path.of("k.toml"), Toml.parse(toml), kleinhirn.core.config.TestDisk.EVERYTHING);
        assertEquals(java.util.List.of(), r.errors());
        return EffectiveConfig.toml(r.config());
    }

    @Test
    void theEffectiveConfigReadsBackToItself() {
        String first = roundTrip("""
                [log]
                format = { format = "logfmt", print_prefix = true }
                [supervisor]
                name = "a \\"quoted\\" name\\twith a tab"
                [health_check]
                listen_addr = "[::1]:3000"
                [worker]
                type = "program"
                count = 2
                cmdline = ["app", "--flag=x y"]
                env = { B = "2", A = "1" }
                ack_timeout = "1500ms"
                watchdog = "30s"
                """);
        assertTrue(first.contains("listen_addr = \"[0:0:0:0:0:0:0:1]:3000\"\n"), first);
        assertTrue(first.contains("ack_timeout = \"1500ms\"\n"), first);
        assertTrue(first.contains("env = { \"B\" = \"2\", \"A\" = \"1\" }\n"), first);
        assertTrue(first.contains("format = { format = \"logfmt\", print_prefix = true }\n"), first);
        assertEquals(first, roundTrip(first));
    }
}
