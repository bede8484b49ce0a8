package kleinhirn.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AOT cache built at package time matches what the launchers run: with -XX:AOTMode=on a
 * stale or mismatched cache (other flags, other JDK, other jar) is fatal instead of a silent
 * fall back to a cold start. Checks that the cache exists, then both programs' start paths.
 */
class AotCacheIT {
    static final Map<String, String> STRICT = Map.of("KLEINHIRN_JAVA_OPTS", "-XX:AOTMode=on");

    @TempDir
    Path dir;

    @Test
    void cacheWasBuiltAtPackageTime() {
        assertTrue(Files.isRegularFile(Supervisor.HOME.resolve("target/kleinhirn.aot")),
                "target/kleinhirn.aot missing: packaging/aot-cache did not run");
    }

    @Test
    void kleinhirnRunsWithTheCacheRequired() throws Exception {
        int port = Supervisor.freePort();
        Path cfg = dir.resolve("kleinhirn.toml");
        Files.writeString(cfg, """
                [supervisor]
                name = "aot"
                [health_check]
                listen_addr = "127.0.0.1:%d"
                [worker]
                type = "program"
                count = 2
                ack_workers = true
                cmdline = ["/bin/sh", "-c", "printf '{\\"action\\":\\"ack\\",\\"id\\":\\"%%s\\"}\\\\n' \\"$KLEINHIRN_WORKER_ID\\" >&3; trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done"]
                """.formatted(port));
        try (Supervisor s = Supervisor.start(cfg, false, port, STRICT)) {
            s.awaitLogs("worker acked", 2);
            assertEquals(200, s.awaitHttp("/healthz", 200).status());
            s.signal("TERM");
            assertEquals(0, s.awaitExit(), String.join("\n", s.lines));
            assertTrue(s.lines.stream().noneMatch(l -> l.contains("AOT cache")), String.join("\n", s.lines));
        }
    }

    @Test
    void harpoonSupervisorStartsWithTheCacheRequired() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Supervisor.HOME.resolve("bin/harpoon-supervisor").toString(), "-version")
                .redirectErrorStream(true).directory(dir.toFile());
        pb.environment().putAll(STRICT);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "harpoon-supervisor -version did not exit");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("version "), out);
    }

    @Test
    void aMismatchedCacheIsFatalWithAotModeOn() throws IOException, InterruptedException {
        // The check itself works: a flag the cache depends on, flipped, must fail the launch.
        ProcessBuilder pb = new ProcessBuilder(Supervisor.HOME.resolve("bin/kleinhirn").toString(), "--version")
                .redirectErrorStream(true).directory(dir.toFile());
        pb.environment().put("KLEINHIRN_JAVA_OPTS", "-XX:AOTMode=on -XX:-UseCompactObjectHeaders");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertNotEquals(0, p.exitValue(), out);
        assertTrue(List.of(out.split("\n")).stream().anyMatch(l -> l.contains("AOT cache")), out);
    }
}
