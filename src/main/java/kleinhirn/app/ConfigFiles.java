package kleinhirn.app;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import kleinhirn.core.codec.Json;
import kleinhirn.core.codec.JsonException;
import kleinhirn.core.codec.Toml;
import kleinhirn.core.codec.TomlException;
import kleinhirn.core.config.ConfigReader;
import kleinhirn.core.config.RelativePaths;

/**
 * Reads a config file, choosing the format by extension, makes its relative paths relative to
 * the file's directory ({@link RelativePaths}), and validates it.
 */
final class ConfigFiles {
    private ConfigFiles() {}

    static ConfigReader.Result load(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            return failed(file + ": cannot read: no such file");
        } catch (MalformedInputException e) {
            return failed(file + ": cannot read: not UTF-8 text");
        } catch (IOException e) {
            return failed(file + ": cannot read: " + e.getMessage());
        }
        Map<String, Object> doc;
        try {
            if (name.endsWith(".json")) doc = Json.parseObject(text);
            else if (name.endsWith(".toml")) doc = Toml.parse(text);
            else return failed(file + ": unknown config format (use a .toml or .json file)");
        } catch (TomlException | JsonException e) {
            return failed(file + ": " + e.getMessage());
        }
        Path dir = file.toAbsolutePath().getParent();
        return ConfigReader.read(file, dir == null ? doc : RelativePaths.resolve(doc, dir));
    }

    private static ConfigReader.Result failed(String error) {
        return new ConfigReader.Result(null, List.of(error), List.of());
    }
}
