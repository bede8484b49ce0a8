package kleinhirn.runtime.pool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.function.Consumer;
import kleinhirn.core.log.Level;
import kleinhirn.core.log.LogFormat;
import kleinhirn.fuzz.Fuzz;
import kleinhirn.runtime.LineReader;
import kleinhirn.runtime.log.Logger;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The two line protocols our children speak to us, from the bytes on the socket: a worker's ack
 * line on its status fd, and the loader wire. Neither may throw: junk is logged and ignored.
 */
class WireFuzzTest {
    static final String ID = "0b4e8a5c-6f43-4c6e-9d0e-2f4b5a6c7d8e";

    @Property
    void ackLine(@ForAll("ack") byte[] in, @ForAll int chunk) throws Exception {
        Fuzz.bounded("ack", in, Fuzz.PER_LINE, () -> new LineReader(chunks(in, chunk), AckChannel.MAX_LINE).run(new LineReader.Sink() {
            @Override public void line(String line) { AckChannel.check(line, ID); }
            @Override public void junk(String why) {}
        }));
    }

    @Property
    void loaderWire(@ForAll("loader") byte[] in, @ForAll int chunk) throws Exception {
        LoaderChannel c = new LoaderChannel(null, 1);
        Logger log = new Logger(java.io.OutputStream.nullOutputStream(), LogFormat.LOGFMT, Level.TRACE,
                java.time.InstantSource.system(), List.of());
        Consumer<kleinhirn.core.pool.PoolEvent> post = e -> {};
        Fuzz.bounded("loader", in, Fuzz.PER_LINE, () -> new LineReader(chunks(in, chunk), LoaderChannel.MAX_LINE).run(new LineReader.Sink() {
            @Override public void line(String line) { c.dispatch(line, post, log); }
            @Override public void junk(String why) {}
        }));
    }

    /** The bytes as a channel that hands them out in reads of 1..64 bytes, as a socket might. */
    static ReadableByteChannel chunks(byte[] in, int seed) {
        return new ReadableByteChannel() {
            int off;
            int s = seed;

            @Override public int read(ByteBuffer dst) throws IOException {
                if (off == in.length) return -1;
                s = s * 1103515245 + 12345;
                int n = Math.min(Math.min(dst.remaining(), in.length - off), 1 + ((s >>> 16) & 63));
                dst.put(in, off, n);
                off += n;
                return n;
            }
            @Override public boolean isOpen() { return true; }
            @Override public void close() {}
        };
    }

    @Provide Arbitrary<byte[]> ack() { return Fuzz.inputs("ack"); }
    @Provide Arbitrary<byte[]> loader() { return Fuzz.inputs("loader"); }
}
