package kleinhirn.runtime.log;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import kleinhirn.core.codec.OutputLines;
import kleinhirn.core.log.Log;

/**
 * Turns one captured stream of a child (a worker's stdout or stderr) into log lines, on its own
 * platform thread. Each line is written before the next bytes are read, so a child that writes
 * faster than our log output drains fills its pipe and blocks in write(2): back-pressure on its
 * own pipe, never on the event loop, and never more memory than one line buffer.
 *
 * <p>Why a platform thread per pipe: the JDK cannot make a raw pipe fd selectable, so a virtual
 * thread blocked in read(2) would pin a carrier for its whole life (and past 256 pipes starve the
 * HTTP and control handlers). A platform thread blocked in the kernel costs its stack pages
 * (small: {@link #STACK_BYTES}) and nothing else.
 */
public final class OutputReader {
    /** Longer lines are split (16 KiB, as Docker's and the CRI's log drivers). */
    public static final int MAX_LINE = 16 * 1024;
    static final long STACK_BYTES = 256 * 1024;

    /** Makes the record for one line of the child whose pid is known. */
    public interface Lines {
        Log record(String text, boolean split, int pid);
    }

    private OutputReader() {}

    /**
     * A thread (to be started) that reads {@code in} until EOF (every writer closed its end) and closes it. Nothing is logged
     * before {@code pid} is known (a preloaded worker's pid comes from its loader); if it is
     * cancelled, the stream is closed unread. {@code ended} runs last, on the reader's thread.
     */
    public static Thread unstarted(String name, InputStream in, Future<Integer> pid, Lines lines, Logger log,
                                   Runnable ended) {
        return Thread.ofPlatform().name(name).daemon(true).stackSize(STACK_BYTES).unstarted(() -> {
            try {
                run(in, pid, lines, log);
            } finally {
                ended.run();
            }
        });
    }

    private static void run(InputStream in, Future<Integer> pid, Lines lines, Logger log) {
        try (in) {
            OutputLines cutter = new OutputLines(MAX_LINE);
            byte[] chunk = new byte[8192];
            int n = in.read(chunk);
            if (n < 0) return;
            int p = pid.get();
            OutputLines.Sink sink = (text, split) -> log.log(lines.record(text, split, p));
            for (; n >= 0; n = in.read(chunk)) cutter.feed(chunk, 0, n, sink);
            cutter.end(sink);
        } catch (CancellationException | ExecutionException e) {
            // never launched: nothing can have written
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            log.error("stopped reading a child's output", "thread", Thread.currentThread().getName(),
                    "error", String.valueOf(e));
        }
    }
}
