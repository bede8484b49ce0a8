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

    /** The listening side, made once: a private directory and the socket in it. */
    private record Server(Path dir, Path socket, ServerSocketChannel channel) {}

    // Made on the first open(), not at startup: the JDK's first unix socket loads and
    // initialises NIO (~10 ms), which a pool that never pairs (no acks) need not pay before its
    // first spawn. (Made on a thread of its own instead, it slowed the first spawn down: 2 cores.)
    private Server server;
    private IOException failure;

    private ChannelPairs() {}

    /** Nothing is made yet: the first {@link #open()} makes the listening side. */
    public static ChannelPairs create() {
        return new ChannelPairs();
    }

    private static Server listen() throws IOException {
        // Not Files.createTempDirectory: its SecureRandom costs ~6 ms on the startup path.
        Path dir = Files.createDirectory(
                Path.of(System.getProperty("java.io.tmpdir")).resolve("kleinhirn-" + KernelEntropy.INSTANCE.hex(8)),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path socket = dir.resolve("pairs.sock");
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.bind(UnixDomainSocketAddress.of(socket), 16);
        } catch (IOException e) {
            channel.close();
            Files.deleteIfExists(dir);
            throw e;
        }
        return new Server(dir, socket, channel);
    }

    private synchronized Server server() throws IOException {
        if (server == null && failure == null) {
            try {
                server = listen();
            } catch (IOException e) {
                failure = new IOException("cannot create the ack socket directory: " + e.getMessage(), e);
            }
        }
        if (failure != null) throw failure;
        return server;
    }

    @Override
    public Pair open() throws IOException {
        Server srv = server();
        ServerSocketChannel server = srv.channel();
        Path socket = srv.socket();
        for (int attempt = 0; attempt < 3; attempt++) {
            byte[] token = KernelEntropy.INSTANCE.bytes(16);
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
    public StreamPair openStream() throws IOException {
        try {
            int[] fds = Libc.socketpair(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC);
            return new StreamPair(new FdSocketChannel(fds[0]), fds[1]);
        } catch (ErrnoException e) {
            throw new IOException(e.getMessage(), e);
        }
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
        Server srv;
        synchronized (this) {
            srv = server;
            server = null;
            failure = new IOException("closed");
        }
        if (srv == null) return;
        try {
            srv.channel().close();
        } catch (IOException ignored) {
            // nothing left to do on the way out
        }
        try {
            Files.deleteIfExists(srv.socket());
            Files.deleteIfExists(srv.dir());
        } catch (IOException ignored) {
            // a leftover temp dir is harmless
        }
    }
}
