package kleinhirn.core.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import kleinhirn.core.codec.Toml;
import org.junit.jupiter.api.Test;

/** `kleinhirn check` prints TOML that kleinhirn reads back to the same configuration. */
class EffectiveConfigTest {
    private static Config read(String toml) {
        ConfigReader.Result r = ConfigReader.read(Path.of("k.toml"), Toml.parse(toml), kleinhirn.core.config.TestDisk.EVERYTHING);
        assertEquals(java.util.List.of(), r.errors());
        return r.config();
    }

    private static String roundTrip(String toml) {
        return EffectiveConfig.toml(read(toml));
    }

    /** Text equal to itself is not enough: a key the writer leaves out reads back as its default. */
    @Test
    void everySettingSurvivesTheRoundTrip() {
        Config original = read("""
                [log]
                worker_output = "capture"
                [supervisor]
                name = "web"
                [health_check]
                listen_addr = "127.0.0.1:3000"
                min_ready = "50%"
                live_grace = "90s"
                [worker]
                type = "program"
                count = 4
                cmdline = ["app"]
                """);
        String effective = EffectiveConfig.toml(original);
        assertEquals(original, read(effective), effective);
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
