package kleinhirn.core.harpoon;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CliTest {
    private static Cli.Options run(String... args) {
        return assertInstanceOf(Cli.Parsed.Run.class, Cli.parse(List.of(args))).options();
    }

    private static Cli.Parsed.Fail fail(String... args) {
        return assertInstanceOf(Cli.Parsed.Fail.class, Cli.parse(List.of(args)));
    }

    @Test
    void everyGoSpelling() {
        for (var args : List.of(List.of("-hostname", "h", "-id", "i"), List.of("--hostname", "h", "--id", "i"),
                List.of("-hostname=h", "-id=i"), List.of("--hostname=h", "--ID=i"), List.of("--hostname", "h", "--ID", "i"))) {
            Cli.Options o = run(args.toArray(String[]::new));
            assertEquals("h", o.hostname());
            assertEquals("i", o.id());
            assertEquals("runc", o.runtime());
            assertEquals(Duration.ofSeconds(3), o.metricsInterval());
            assertEquals(List.of(), o.command());
        }
    }

    @Test
    void stopsAtDoubleDashOrFirstNonFlag() {
        assertEquals(List.of("sh", "-c", "--id x"), run("--hostname", "h", "--id", "i", "--", "sh", "-c", "--id x").command());
        assertEquals(List.of("sleep", "-x", "--"), run("-hostname", "h", "-id", "i", "sleep", "-x", "--").command());
        assertEquals(List.of("-", "x"), run("-hostname", "h", "-id", "i", "-", "x").command());
    }

    @Test
    void extraFlags() {
        Cli.Options o = run("--hostname", "h", "--id", "i", "--runtime", "/usr/bin/crun", "--metrics-interval", "250ms", "--stop-timeout=10s", "--", "true");
        assertEquals("/usr/bin/crun", o.runtime());
        assertEquals(Duration.ofMillis(250), o.metricsInterval());
        assertEquals(Duration.ofSeconds(10), o.stopTimeout());
    }

    @Test
    void runtimeTimeoutDefaultsTo30sAndMustBePositive() {
        assertEquals(Duration.ofSeconds(30), run("-hostname", "h", "-id", "i").runtimeTimeout());
        assertEquals(Duration.ofMillis(500), run("-hostname", "h", "-id", "i", "--runtime-timeout=500ms").runtimeTimeout());
        assertEquals(2, fail("-hostname", "h", "-id", "i", "-runtime-timeout", "0").code());
        assertEquals(2, fail("-hostname", "h", "-id", "i", "-runtime-timeout", "soon").code());
    }

    @Test
    void versionAndHelp() {
        assertInstanceOf(Cli.Parsed.Version.class, Cli.parse(List.of("-version")));
        assertInstanceOf(Cli.Parsed.Version.class, Cli.parse(List.of("--version=true")));
        assertInstanceOf(Cli.Parsed.Help.class, Cli.parse(List.of("-h")));
    }

    @Test
    void exitCodesAsTheOriginal() {
        assertEquals(new Cli.Parsed.Fail(1, "hostname not supplied", false), fail("--id", "i"));
        assertEquals(new Cli.Parsed.Fail(1, "container ID not supplied", false), fail("--hostname", "h"));
        assertEquals(new Cli.Parsed.Fail(2, "flag provided but not defined: -bogus", true), fail("--bogus"));
        assertEquals(2, fail("--hostname").code());
        assertEquals(2, fail("---hostname", "h").code());
        assertEquals(2, fail("--hostname", "h", "--id", "i", "--metrics-interval", "3").code());
    }
}
