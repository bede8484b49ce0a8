package kleinhirn.app;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
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
import kleinhirn.core.config.Disk;

/** Reads a config file, choosing the format by extension, and validates it. */
final class ConfigFiles {
    private ConfigFiles() {}

    static ConfigReader.Result load(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            return failed(cannotRead(file, e));
        }
        Map<String, Object> doc;
        try {
            if (name.endsWith(".json")) doc = Json.parseDocument(text);
            else if (name.endsWith(".toml")) doc = Toml.parse(text);
            else return failed(file + ": unknown config format (use a .toml or .json file)");
        } catch (TomlException | JsonException e) {
            return failed(file + ": " + e.getMessage());
        }
        return ConfigReader.read(file, doc, LOCAL);
    }

    /** The config's paths as this machine sees them. */
    private static final Disk LOCAL = new Disk() {
        @Override
        public boolean isDirectory(Path p) {
            return Files.isDirectory(p);
        }

        @Override
        public boolean isRegularFile(Path p) {
            return Files.isRegularFile(p);
        }
    };

    /** Why {@code file} could not be read, with the reason the OS gave (not just the path again). */
    static String cannotRead(Path file, IOException e) {
        String why = switch (e) {
            case NoSuchFileException n -> "no such file";
            case AccessDeniedException a -> "permission denied";
            case MalformedInputException m -> "not UTF-8 text";
            case FileSystemException f when f.getReason() != null -> f.getReason();
            default -> e.getMessage();
        };
        return file + ": cannot read: " + why;
    }

    private static ConfigReader.Result failed(String error) {
        return new ConfigReader.Result(null, List.of(error), List.of());
    }
}
