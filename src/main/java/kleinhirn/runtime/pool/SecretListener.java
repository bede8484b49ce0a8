package kleinhirn.runtime.pool;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import kleinhirn.core.port.Entropy;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Consumer;

/**
 * A unix stream listener for our workers whose unguessable name is the secret: it lives in a
 * fresh directory only our user can list (0711), and the socket itself is 0666, so that a worker
 * that dropped privileges can still connect; only processes told the path can. One virtual
 * thread accepts and hands each connection on. Used by the einhorn and the refork sockets.
 */
public final class SecretListener implements AutoCloseable {
    private final Place place;
    private final ServerSocketChannel server;

    private SecretListener(Place place, ServerSocketChannel server) {
        this.place = place;
        this.server = server;
    }

    /**
     * Where a listener will be: a fresh 0711 directory {@code <tmp>/<prefix>XXXX} and an
     * unguessable {@code <random>.sock} in it. Reserved before anything listens, so a preloading
     * loader can be told the path while we still set up; closing it removes the directory
     * again (when no listener took it over).
     */
    public record Place(Path dir, Path path) implements AutoCloseable {
        public static Place reserve(String prefix, Entropy entropy) throws IOException {
            // Not Files.createTempDirectory: its SecureRandom costs ~6 ms on the startup path.
            Path dir = Files.createDirectory(Path.of(System.getProperty("java.io.tmpdir")).resolve(prefix + entropy.hex(8)),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x")); // umask-proof
            return new Place(dir, dir.resolve(entropy.hex(16) + ".sock"));
        }

        @Override
        public void close() {
            try {
                Files.deleteIfExists(path);
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // a leftover temp dir is harmless
            }
        }
    }

    /** The same at a fresh place named after {@code prefix}. */
    static SecretListener open(String prefix, Entropy entropy, int backlog, String name, Consumer<SocketChannel> accepted,
                               Consumer<IOException> failed) throws IOException {
        return open(Place.reserve(prefix, entropy), backlog, name, accepted, failed);
    }

    /**
     * Binds {@code place} and accepts on a thread named {@code name}; a failed accept (EMFILE) is
     * handed to {@code failed} and retried after a pause. The listener owns the place from now on.
     */
    static SecretListener open(Place place, int backlog, String name, Consumer<SocketChannel> accepted,
                               Consumer<IOException> failed) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(place.path()), backlog);
            Files.setPosixFilePermissions(place.path(), PosixFilePermissions.fromString("rw-rw-rw-"));
        } catch (IOException e) {
            server.close();
            place.close();
            throw e;
        }
        SecretListener l = new SecretListener(place, server);
        Thread.ofVirtual().name(name).start(() -> l.accept(accepted, failed));
        return l;
    }

    Path path() {
        return place.path();
    }

    private void accept(Consumer<SocketChannel> accepted, Consumer<IOException> failed) {
        while (server.isOpen()) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                if (!server.isOpen()) return; // closed by us
                // e.g. EMFILE: the listener must not stop for good; it must not spin either
                failed.accept(e);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            accepted.accept(ch);
        }
    }

    static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        closeQuietly(server);
        place.close();
    }
}
