package kleinhirn.e2e;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A suite that runs once normally and once with kleinhirn as PID 1 of a new PID namespace
 * (subclasses say which): a temp dir per test, and every supervisor a test started is closed
 * after it, also on failure.
 */
abstract class SupervisorSuite {
    @TempDir
    Path dir;
    final List<Supervisor> started = new ArrayList<>();

    abstract boolean pid1();

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Supervisor s : started) s.close();
    }
}
