package kleinhirn.core.config;

import java.nio.file.Path;

/** File systems for tests that do not judge paths: every path exists (as both kinds), or none does. */
public record TestDisk(boolean exists) implements Disk {
    public static final TestDisk EVERYTHING = new TestDisk(true);
    public static final TestDisk NOTHING = new TestDisk(false);

    @Override
    public boolean isDirectory(Path p) {
        return exists;
    }

    @Override
    public boolean isRegularFile(Path p) {
        return exists;
    }
}
