package kleinhirn.linux;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.core.port.SocketPairs;

/**
 * Connected unix stream socket pairs whose one end is a JDK {@link SocketChannel} (so virtual
 * threads can read it without pinning a carrier) and whose other end is a plain fd for a child.
 *
 * <p>socketpair(2) would give two raw fds, and the JDK cannot wrap a raw fd in a channel. So we
 * listen on a socket in a private 0700 directory, connect a raw (close-on-exec) socket to it and
 * accept. The connecting side writes a random token that the accepted side must echo back to us
 * unchanged, so a stray connection from another root process can never be mistaken for ours.
 * Only the loop thread calls {@link #open()}.
 */
public final class ChannelPairs implements SocketPairs, AutoCloseable {

    private final Path dir;
    private final Path socket;
    private final ServerSocketChannel server;
    private final SecureRandom random = new SecureRandom();

    private ChannelPairs(Path dir, Path socket, ServerSocketChannel server) {
        this.dir = dir;
        this.socket = socket;
        this.server = server;
    }

    public static ChannelPairs create() throws IOException {
        Path dir = Files.createTempDirectory("kleinhirn-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path socket = dir.resolve("pairs.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket), 16);
        return new ChannelPairs(dir, socket, server);
    }

    @Override
    public Pair open() throws IOException {
        for (int attempt = 0; attempt < 3; attempt++) {
            byte[] token = new byte[16];
            random.nextBytes(token);
            int fd = -1;
            SocketChannel ours = null;
            try {
                fd = Libc.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC);
                Libc.connectUnix(fd, socket.toString());
                Libc.writeFully(fd, token);
                ours = server.accept();
                if (Arrays.equals(readToken(ours), token)) return new Pair(ours, fd);
                ours.close();
                Libc.closeQuietly(fd);
            } catch (ErrnoException e) {
                Libc.closeQuietly(fd);
                if (ours != null) ours.close();
                throw new IOException(e.getMessage(), e);
            }
        }
        throw new IOException("could not pair a socket: foreign connections on " + socket);
    }

    @Override
    public void release(int theirs) {
        Libc.closeQuietly(theirs);
    }

    private static byte[] readToken(SocketChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) break;
        }
        return b.array();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // nothing left to do on the way out
        }
        try {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a leftover temp dir is harmless
        }
    }
}
