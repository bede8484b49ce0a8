package kleinhirn.core.port;

import java.io.IOException;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;

/**
 * Connected stream socket pairs for a child's status fd: {@code ours} is a channel the
 * supervisor reads; {@code theirs} is a raw fd that goes to exactly one child and is released
 * here right after the spawn (or its failure). Only the loop thread opens pairs.
 */
public interface SocketPairs {
    record Pair(SocketChannel ours, int theirs) {}

    Pair open() throws IOException;

    /**
     * A pair whose {@code ours} is a blocking channel on a plain socketpair(2), read and written
     * from platform threads. For the loader, whose spawn is the first thing a preloaded pool
     * does: making it needs none of NIO's setup (the first {@link #open()} costs ~20 ms).
     */
    record StreamPair(Stream ours, int theirs) {}

    /** A blocking channel that can also try a write without blocking. */
    interface Stream extends ByteChannel {
        /** Writes what the socket takes at once (perhaps nothing); never blocks. */
        int writeNow(java.nio.ByteBuffer src) throws IOException;
    }

    StreamPair openStream() throws IOException;

    /** Closes our copy of the child's end; never fails (the fd is ours alone). */
    void release(int theirs);
}
