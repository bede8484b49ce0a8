package kleinhirn.runtime.harpoon;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import kleinhirn.core.ExitStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeErrorsTest {
    @TempDir Path dir;

    @Test
    void theContainerProcesssOwnFailureIsErrWithoutRuncsWrapping() throws Exception {
        Path log = dir.resolve("runtime.log");
        Files.writeString(log, "{\"level\":\"warning\",\"msg\":\"x\",\"time\":\"2026-01-01T00:00:00Z\"}\n"
                + "{\"level\":\"error\",\"msg\":\"runc create failed: unable to start container process: exec: \\\"/bin/nonexistent\\\": stat /bin/nonexistent: no such file or directory\",\"time\":\"2026-01-01T00:00:00Z\"}\n");
        assertEquals("exec: \"/bin/nonexistent\": stat /bin/nonexistent: no such file or directory",
                RuntimeErrors.of("runc", "create", log, new ExitStatus.Exited(1)));
    }

    @Test
    void otherErrorsNameTheRuntimeAndTheCall() throws Exception {
        Path log = dir.resolve("runtime.log");
        Files.writeString(log, "{\"level\":\"error\",\"msg\":\"container with id exists: x\"}\n");
        assertEquals("runc create: container with id exists: x", RuntimeErrors.of("runc", "create", log, new ExitStatus.Exited(1)));
        assertEquals("crun start: exit 3", RuntimeErrors.of("crun", "start", dir.resolve("none"), new ExitStatus.Exited(3)));
    }
}
