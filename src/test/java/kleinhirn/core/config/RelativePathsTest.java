package kleinhirn.core.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RelativePathsTest {
    static final Path DIR = Path.of("/etc/app");

    @Test
    void everyPathKeyIsRelativeToTheConfigFilesDirectory() {
        Map<String, Object> doc = Map.of(
                "supervisor", Map.of("name", "x", "socket", "run/control.sock"),
                "worker", Map.of("cwd", "..", "load", "config/boot.rb", "gemfile", "./Gemfile", "ruby", "bin/ruby",
                        "cmdline", List.of("./bin/app", "./arg"), "count", 2L));
        Map<String, Object> out = RelativePaths.resolve(doc, DIR);
        assertEquals(Map.of("name", "x", "socket", "/etc/app/run/control.sock"), out.get("supervisor"));
        assertEquals(Map.of("cwd", "/etc", "load", "/etc/app/config/boot.rb", "gemfile", "/etc/app/Gemfile",
                "ruby", "/etc/app/bin/ruby", "cmdline", List.of("/etc/app/bin/app", "./arg"), "count", 2L), out.get("worker"));
    }

    @Test
    void absolutePathsNamesForPathAndWrongTypesAreLeftAlone() {
        Map<String, Object> doc = Map.of(
                "supervisor", Map.of("socket", "/run/k.sock"),
                "worker", Map.of("cwd", 7L, "load", "/srv/boot.rb", "ruby", "ruby3.1", "cmdline", List.of("puma", "-C", "x")));
        assertEquals(doc, RelativePaths.resolve(doc, DIR));
        Map<String, Object> noTables = Map.of("log", Map.of("level", "info"));
        assertEquals(noTables, RelativePaths.resolve(noTables, DIR));
    }
}
