package kleinhirn.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the kleinhirn_loader gem's own minitest suite ({@code loaders/ruby/test/run}) so that
 * the one test command covers the Ruby side too. Needs {@code ruby} on PATH (Debian: the
 * {@code ruby} package; minitest ships with it).
 */
class RubyGemIT {
    private static final long LIMIT_MINUTES = 5;

    @Test
    @Timeout(value = LIMIT_MINUTES + 1, unit = TimeUnit.MINUTES)
    void minitestSuitePasses() throws Exception {
        Path home = Path.of(System.getProperty("kleinhirn.home", ".")).toAbsolutePath();
        Path runner = home.resolve("loaders/ruby/test/run");
        assertTrue(Files.isExecutable(runner), runner + " is missing or not executable");

        // Output is captured and printed rather than inherited: the forked test JVM's own
        // stdout carries Failsafe's own channel, into which a child writing to fd 1 would mix.
        Process run = new ProcessBuilder(runner.toString())
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread pump = Thread.ofVirtual().start(() -> copy(run.getInputStream(), output));
        boolean exited = run.waitFor(LIMIT_MINUTES, TimeUnit.MINUTES);
        if (!exited) {
            // The suite is a child subreaper: its loaders and workers are its descendants.
            run.descendants().forEach(ProcessHandle::destroyForcibly);
            run.destroyForcibly().waitFor();
        }
        // A process that escaped the kill could hold the pipe open: do not wait for it forever.
        pump.join(Duration.ofSeconds(10));
        System.out.println(output.toString(StandardCharsets.UTF_8));
        assertTrue(exited, "loaders/ruby/test/run did not finish within " + LIMIT_MINUTES + " minutes");
        assertEquals(0, run.exitValue(), "loaders/ruby/test/run failed; its output is above");
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
