package kleinhirn.core.config;

import java.nio.file.Path;

/**
 * The port through which config validation asks about the file system (cwd must be a
 * directory, load and gemfile regular files), so {@link ConfigReader} stays pure; the app
 * passes the real one, tests may pass a fake.
 */
public interface Disk {
    boolean isDirectory(Path p);

    boolean isRegularFile(Path p);
}
