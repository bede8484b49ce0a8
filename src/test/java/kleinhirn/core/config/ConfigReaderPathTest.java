package kleinhirn.core.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import kleinhirn.core.codec.Json;
import org.junit.jupiter.api.Test;

/**
 * Found by the json fuzz target: a path key holding a NUL or an unpaired surrogate (both legal
 * JSON and TOML escapes) threw InvalidPathException out of the reader, so kleinhirn died with a
 * stack trace instead of naming file, key and reason and exiting 2.
 */
class ConfigReaderPathTest {
    static ConfigReader.Result read(String json) {
        @SuppressWarnings("unchecked") var doc = (Map<String, Object>) Json.parse(json);
        return ConfigReader.read(Path.of("/etc/kleinhirn.json"), doc, TestDisk.NOTHING);
    }

    @Test
    void aPathThatCannotBeAPathIsAConfigError() {
        for (String bad : List.of("G\\ud800emfile", "a\\u0000b")) {
            var ruby = read("{\"supervisor\":{\"name\":\"r\"},\"worker\":{\"type\":\"ruby\",\"load\":\"app.rb\","
                    + "\"start_expression\":\"App.run\",\"gemfile\":\"" + bad + "\"}}");
            assertNull(ruby.config());
            assertTrue(ruby.errors().stream().anyMatch(e -> e.startsWith("/etc/kleinhirn.json: worker.gemfile: is not a valid path")),
                    ruby.errors().toString());
            var program = read("{\"supervisor\":{\"name\":\"p\"},\"worker\":{\"type\":\"program\",\"cmdline\":[\"true\"],\"cwd\":\"" + bad + "\"}}");
            assertNull(program.config());
            assertTrue(program.errors().stream().anyMatch(e -> e.startsWith("/etc/kleinhirn.json: worker.cwd: is not a valid path")),
                    program.errors().toString());
        }
    }
}
