package kleinhirn.app;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The distribution's directory (bin/, loaders/, target/): the launcher passes it as
 * -Dkleinhirn.home; otherwise it is derived from where our jar lives (target/kleinhirn.jar or
 * lib/kleinhirn.jar, one level below the home).
 */
final class Home {
    private Home() {}

    static Path path() {
        String prop = System.getProperty("kleinhirn.home");
        if (prop != null) return Path.of(prop);
        try {
            Path jar = Path.of(Home.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = Files.isDirectory(jar) ? jar : jar.getParent();
            return dir.getParent();
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of(".");
        }
    }
}
