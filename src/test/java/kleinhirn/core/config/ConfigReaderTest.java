package kleinhirn.core.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import kleinhirn.core.codec.Json;
import kleinhirn.core.codec.JsonException;
import kleinhirn.core.codec.Toml;
import org.junit.jupiter.api.Test;

/** Config validation against a fake disk: no file is read. */
class ConfigReaderTest {
    static final Path FILE = Path.of("/etc/app/kleinhirn.toml");

    /** A disk holding exactly these directories and regular files. */
    record FakeDisk(Set<Path> dirs, Set<Path> files) implements Disk {
        @Override
        public boolean isDirectory(Path p) {
            return dirs.contains(p);
        }

        @Override
        public boolean isRegularFile(Path p) {
            return files.contains(p);
        }
    }

    static final FakeDisk DISK = new FakeDisk(Set.of(Path.of("/srv")), Set.of(Path.of("/etc/app/boot.rb")));

    static ConfigReader.Result read(String toml) {
        return ConfigReader.read(FILE, Toml.parse("[supervisor]\nname = \"x\"\n" + toml), DISK);
    }

    @Test
    void aProgramWorker() {
        var r = read("[worker]\ntype = \"program\"\ncmdline = [\"true\"]\ncwd = \"/srv\"\ncount = 3\n");
        assertEquals(List.of(), r.errors());
        var p = assertInstanceOf(Config.Worker.Program.class, r.config().worker());
        assertEquals(List.of("true"), p.cmdline());
        assertEquals("/srv", p.cwd());
        assertEquals(3, p.count());
        assertFalse(p.acks());
        assertFalse(r.config().pool().preloaded());
    }

    @Test
    void aRubyWorkerResolvesPathsAgainstTheConfigsDirectory() {
        var r = read("[worker]\ntype = \"ruby\"\nload = \"boot.rb\"\nstart_expression = \"X.run\"\n");
        assertEquals(List.of(), r.errors());
        var w = assertInstanceOf(Config.Worker.Ruby.class, r.config().worker());
        assertEquals(Path.of("/etc/app/boot.rb"), w.load());
        assertTrue(w.acks());
        assertTrue(r.config().pool().preloaded());
    }

    @Test
    void sparesAreForPreloadedWorkersOnly() {
        var r = read("[worker]\ntype = \"ruby\"\nload = \"boot.rb\"\nstart_expression = \"X.run\"\nspares = 2\n");
        assertEquals(List.of(), r.errors());
        assertEquals(2, assertInstanceOf(Config.Worker.Ruby.class, r.config().worker()).spares());
        assertEquals(2, r.config().pool().spares());
        r = read("[worker]\ntype = \"ruby\"\nload = \"boot.rb\"\nstart_expression = \"X.run\"\n");
        assertEquals(0, r.config().pool().spares(), "none by default");
        r = read("[worker]\ntype = \"ruby\"\nload = \"boot.rb\"\nstart_expression = \"X.run\"\nspares = -1\n");
        assertEquals(List.of(FILE + ": worker.spares: must not be negative"), r.errors());
        r = read("[worker]\ntype = \"program\"\ncmdline = [\"true\"]\nspares = 1\n");
        assertEquals(List.of(FILE + ": worker.spares: only preloaded workers (type = \"ruby\") can have spares"), r.errors());
    }

    @Test
    void pathsAreCheckedThroughTheDiskWithTheSameMessages() {
        var r = read("[worker]\ntype = \"program\"\ncmdline = [\"true\"]\ncwd = \"/nowhere\"\n");
        assertEquals(List.of(FILE + ": worker.cwd: is not a directory: /nowhere"), r.errors());
        r = read("[worker]\ntype = \"ruby\"\nload = \"missing.rb\"\ngemfile = \"Gemfile\"\nstart_expression = \"X\"\n");
        assertEquals(List.of(FILE + ": worker.gemfile: file not found: /etc/app/Gemfile",
                FILE + ": worker.load: file not found: /etc/app/missing.rb"), r.errors());
    }

    @Test
    void recyclingKeysSizesDurationsAndReforkOnlyForRuby() {
        var r = read("[worker]\ntype = \"ruby\"\nload = \"boot.rb\"\nstart_expression = \"X\"\nmax_memory = \"512MiB\"\n"
                + "max_lifetime = \"1h\"\nlifetime_jitter = \"10m\"\nmax_recycling = 2\nrefork_after = [\"10m\", \"1h\"]\n");
        assertEquals(List.of(), r.errors());
        assertEquals(List.of(), r.warnings());
        var rec = r.config().pool().recycling();
        assertEquals(512L << 20, rec.maxMemory());
        assertEquals(java.time.Duration.ofSeconds(5), rec.memoryCheckInterval());
        assertEquals(java.time.Duration.ofHours(1), rec.maxLifetime());
        assertEquals(java.time.Duration.ofMinutes(10), rec.lifetimeJitter());
        assertEquals(2, rec.maxRecycling());
        assertEquals(java.time.Duration.ofSeconds(1), rec.spacing(), "recycle_spacing's default");
        assertEquals(List.of(java.time.Duration.ofMinutes(10), java.time.Duration.ofHours(1)), rec.reforkAfter());
        assertEquals(java.time.Duration.ZERO, read("[worker]\ntype = \"program\"\ncmdline = [\"true\"]\nrecycle_spacing = \"0s\"\n")
                .config().pool().recycling().spacing(), "0s: no spacing");
        assertEquals(1L << 30, Sizes.parse("1GiB"));
        assertEquals(300_000_000L, Sizes.parse("300MB"));
        assertNull(Sizes.parse("lots"));
        r = read("[worker]\ntype = \"program\"\ncmdline = [\"true\"]\nrefork_after = [\"10m\"]\nmax_memory = \"lots\"\n");
        assertEquals(List.of(FILE + ": worker.max_memory: must be a size greater than zero like \"512MiB\", \"1GiB\" or "
                        + "\"300MB\", not \"lots\"",
                FILE + ": worker.refork_after: only for type = \"ruby\": a refork makes a new loader from a warm preloaded worker"),
                r.errors());
    }

    @Test
    void aMissingTypeIsOneErrorAndItsKeysAreNotUnknown() {
        var r = read("[worker]\ncmdline = [\"true\"]\ncwd = \"/srv\"\n");
        assertEquals(List.of(FILE + ": worker.type: is required"), r.errors());
        assertEquals(List.of(), r.warnings(), "no 'worker.cmdline: unknown key' besides");
        r = read("[worker]\ntype = \"python\"\nload = \"x.py\"\n");
        assertEquals(List.of(FILE + ": worker.type: must be \"program\" or \"ruby\", not \"python\""), r.errors());
        assertEquals(List.of(), r.warnings());
        r = read("[worker]\ncmdline = [\"true\"]\ncolour = \"blue\"\n");
        assertEquals(List.of(FILE + ": worker.colour: unknown key"), r.warnings(), "a truly unknown key still is");
    }

    @Test
    void everyIntegerKeyTakesAStringHoldingAnIntegerWithAWarning() {
        var r = read("[worker]\ntype = \"program\"\ncmdline = [\"true\"]\ncount = \"4\"\nmax_deaths = \"7\"\n"
                + "max_failed_starts = \"2\"\n");
        assertEquals(List.of(), r.errors());
        assertEquals(4, r.config().worker().count());
        assertEquals(7, r.config().worker().supervision().maxDeaths());
        assertEquals(2, r.config().worker().supervision().maxFailedStarts());
        assertEquals(List.of(FILE + ": worker.count: an integer given as a string; write count = 4",
                FILE + ": worker.max_deaths: an integer given as a string; write max_deaths = 7",
                FILE + ": worker.max_failed_starts: an integer given as a string; write max_failed_starts = 2"),
                r.warnings());
    }

    @Test
    void aStringIntegerGetsTheSameRangeChecksAsAnInteger() {
        var r = read("[worker]\ntype = \"program\"\ncmdline = [\"true\"]\ncount = \"-1\"\nmax_deaths = \"-2\"\n");
        assertEquals(List.of(FILE + ": worker.count: must be at least 1, not -1",
                FILE + ": worker.max_deaths: must not be negative"), r.errors());
        r = read("[worker]\ntype = \"program\"\ncmdline = [\"true\"]\ncount = \"4.0\"\n");
        assertEquals(List.of(FILE + ": worker.count: must be an integer, not a string"), r.errors());
        r = read("[worker]\ntype = \"program\"\ncmdline = [\"true\"]\nmax_deaths = 3000000000\n");
        assertEquals(List.of(FILE + ": worker.max_deaths: must be at most 2147483647"), r.errors());
    }

    @Test
    void aJsonDocumentWithADuplicateKeyNamesItsPath() {
        var e = assertThrows(JsonException.class,
                () -> Json.parseDocument("{\"worker\": {\"count\": 1, \"type\": \"program\", \"count\": 2}}"));
        assertEquals("worker.count: duplicate key at offset 43", e.getMessage());
        assertEquals(2L, ((java.util.Map<?, ?>) Json.parseObject("{\"a\": {\"b\": 1, \"b\": 2}}").get("a")).get("b"),
                "wire messages keep the last value, as before");
    }
}
