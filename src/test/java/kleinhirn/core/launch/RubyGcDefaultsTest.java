package kleinhirn.core.launch;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The loader's GC defaults sit beneath our environment and worker.env. */
class RubyGcDefaultsTest {
    @Test
    void defaultsApplyUnlessTheEnvironmentOrWorkerEnvSetsThem() {
        List<String> env = WorkerEnv.build(RubyGcDefaults.under(Map.of("PATH", "/bin")), Map.of(), Map.of());
        assertTrue(env.containsAll(List.of("RUBY_GC_HEAP_GROWTH_MAX_SLOTS=20000", "RUBY_GC_HEAP_FREE_SLOTS_MIN_RATIO=0.05",
                "PATH=/bin")), env::toString);
        env = WorkerEnv.build(RubyGcDefaults.under(Map.of("RUBY_GC_HEAP_GROWTH_MAX_SLOTS", "0")),
                Map.of("RUBY_GC_HEAP_FREE_SLOTS_MIN_RATIO", "0.2"), Map.of());
        assertTrue(env.containsAll(List.of("RUBY_GC_HEAP_GROWTH_MAX_SLOTS=0", "RUBY_GC_HEAP_FREE_SLOTS_MIN_RATIO=0.2")),
                env::toString);
        assertEquals(2, env.size(), env::toString);
    }
}
