package kleinhirn.app;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading config files: every failure names the file and the reason. */
class ConfigFilesTest {
    @TempDir
    Path dir;

    @Test
    void anUnreadableFileSaysWhy() {
        Path f = dir.resolve("k.toml");
        // Root reads a mode-000 file anyway, so the errno is given to the mapping directly.
        assertEquals(f + ": cannot read: permission denied", ConfigFiles.cannotRead(f, new AccessDeniedException(f.toString())));
    }

    @Test
    void aDirectoryAndAMissingFileSayWhy() throws Exception {
        Path d = Files.createDirectory(dir.resolve("k.toml"));
        assertEquals(List.of(d + ": cannot read: Is a directory"), ConfigFiles.load(d).errors());
        Path m = dir.resolve("missing.toml");
        assertEquals(List.of(m + ": cannot read: no such file"), ConfigFiles.load(m).errors());
    }

    @Test
    void aDuplicateJsonKeyIsAnError() throws Exception {
        Path f = Files.writeString(dir.resolve("k.json"),
                "{\"supervisor\": {\"name\": \"a\", \"name\": \"b\"}, \"worker\": {\"type\": \"program\", \"cmdline\": [\"true\"]}}");
        List<String> errors = ConfigFiles.load(f).errors();
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.getFirst().startsWith(f + ": supervisor.name: duplicate key"), errors.toString());
    }
}
