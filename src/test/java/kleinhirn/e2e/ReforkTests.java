package kleinhirn.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reforking end to end: a plain preloaded Ruby app (no refork code; one after_fork hook to
 * prove it runs), real signals, the gem's refork thread, smaps_rollup. Subclasses run the same
 * suite normally and as PID 1 of a new PID namespace.
 */
abstract class ReforkTests {
    /** What each worker fills lazily after its fork, MiB: private in the first generation. */
    static final int CACHE_MIB = 40;

    @TempDir
    Path dir;
    @RegisterExtension
    final Supervisors supervisors = new Supervisors();

    abstract boolean pid1();

    /**
     * count workers of an app that builds its cache on its first start ({@code ||=}, as a lazy
     * cache would) and writes a file per worker from after_fork; {@code startExtra} runs first.
     */
    Supervisor start(int count, String worker, String startExtra) throws IOException {
        Files.writeString(dir.resolve("app.rb"), """
                require "kleinhirn_loader"
                KleinhirnLoader.after_fork { File.write(File.join(%s, "after_fork.#{Process.pid}"), "") }
                PRELOADED = Array.new(8) { |i| ("p%%d" %% i) * (1024 * 1024) }
                module App
                  def self.start
                    Signal.trap("TERM") { exit 0 }
                    %s
                    $cache ||= Array.new(%d) { |i| ("c%%d" %% i) * (512 * 1024) }
                    KleinhirnLoader::Worker.new.done
                    loop { sleep 1 }
                  end
                end
                """.formatted(RubyPreloadIT.rubyString(dir.toString()), startExtra, CACHE_MIB));
        int port = Supervisor.freePort();
        Path cfg = Supervisor.rubyConfig(dir, "", port, count, "App.start", worker);
        return supervisors.add(Supervisor.start(cfg, pid1(), port, Map.of()));
    }

    static int pid(Map<String, String> m) {
        return Integer.parseInt(m.get("pid"));
    }

    @Test
    void aReforkMakesANewLoaderWhoseWorkersShareTheWarmMemoryAndAfterForkRanInEveryWorker() throws Exception {
        Supervisor s = start(2, "min_uptime = \"200ms\"\nack_timeout = \"20s\"\nstop_timeout = \"5s\"\n"
                + "refork_after = [\"1s\"]", "");
        var reforked = s.awaitLog("loader reforked");
        assertEquals("2", reforked.get("generation"));
        var recycled = s.awaitLogs("recycled worker exited", 2);
        assertEquals(2, s.logs("worker recycled").stream().filter(m -> "refork".equals(m.get("cause"))).count(),
                s.logs("worker recycled").toString());
        s.awaitLog("previous loader exited", m -> "1".equals(m.get("generation")));
        s.awaitHttp("/healthz", 200);
        String status = s.http("/status").body();
        assertTrue(status.contains("\"state\":\"ready\",\"generation\":2}"), status);
        assertEquals(2, status.split("\"generation\":2").length - 2, "both workers of generation 2: " + status);
        assertTrue(s.http("/metrics").body().contains("\nkleinhirn_loader_generation 2\n"));
        assertTrue(s.logs("worker died").isEmpty(), "recycles are not deaths");
        assertTrue(s.logs("refork failed; the current loader stays").isEmpty());

        Set<Integer> old = new HashSet<>();
        for (var m : recycled) old.add(pid(m));
        for (var m : s.logs("worker spawned")) {
            int worker = pid(m);
            assertTrue(Files.exists(dir.resolve("after_fork." + worker)), "after_fork ran in " + worker);
            if (old.contains(worker)) continue;
            // Generation 2: the cache the warm worker built is inherited, so shared, not private.
            Map<String, Long> r = RubyPreloadIT.smapsRollup((int) s.hostPidOf(worker));
            long privateKib = r.get("Private_Clean") + r.get("Private_Dirty");
            long sharedKib = r.get("Shared_Clean") + r.get("Shared_Dirty");
            System.out.println(getClass().getSimpleName() + ": generation 2 worker " + worker + ": shared " + sharedKib
                    + " kB, private " + privateKib + " kB (cache " + CACHE_MIB + " MiB)");
            assertTrue(sharedKib > CACHE_MIB * 1024L, "shared " + sharedKib + " kB, private " + privateKib + " kB");
            assertTrue(privateKib < CACHE_MIB * 1024L / 2, "private " + privateKib + " kB, shared " + sharedKib + " kB");
        }
    }

    @Test
    void aWorkerThatCannotReforkIsAFailedReforkAndTheLoaderStays() throws Exception {
        // The app took SIGURG for itself: no new loader ever comes.
        Supervisor s = start(1, "min_uptime = \"200ms\"\nack_timeout = \"3s\"\nrefork_after = [\"500ms\"]",
                "Signal.trap(\"URG\") { }");
        var failed = s.awaitLog("refork failed; the current loader stays");
        assertEquals("the new loader was not ready within ack_timeout", failed.get("reason"));
        assertTrue(s.http("/status").body().contains("\"state\":\"ready\",\"generation\":1}"));
        assertEquals(200, s.http("/healthz").status(), "never faulted");
        assertTrue(s.http("/metrics").body().contains("\nkleinhirn_reforks_total{result=\"failed\"} 1\n"));
        assertTrue(s.logs("worker recycling").isEmpty());
    }

    @Test
    void sparesFollowTheNewGenerationAndNoIdIsEverUsedTwice() throws Exception {
        // Spares and refork recycles together: every replacement and every spare gets an id
        // of its own (the loader refuses a duplicate), and the spare is of the new generation.
        Supervisor s = start(2, "min_uptime = \"200ms\"\nack_timeout = \"20s\"\nstop_timeout = \"5s\"\n"
                + "spares = 1\nrefork_after = [\"1s\"]", "");
        s.awaitLog("loader reforked");
        s.awaitLogs("recycled worker exited", 2);
        s.await("two ready workers and a spare, all of generation 2", () -> {
            var workers = (java.util.List<?>) kleinhirn.core.codec.Json.parseObject(s.http("/status").body()).get("workers");
            long ready = 0, spare = 0;
            for (Object o : workers) {
                var w = (Map<?, ?>) o;
                if (!Long.valueOf(2).equals(w.get("generation"))) return false;
                if ("ready".equals(w.get("state"))) ready++;
                if ("spare".equals(w.get("state"))) spare++;
            }
            return ready == 2 && spare == 1;
        });
        assertTrue(s.logs("failed to spawn worker").isEmpty(), s.logs("failed to spawn worker").toString());
        assertTrue(s.logs("worker recycling failed: the replacement did not become ready; the worker serves on").isEmpty());
        assertTrue(s.logs("worker died").isEmpty(), "recycles are not deaths");
    }
}
