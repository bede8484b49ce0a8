package kleinhirn.linux;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicBoolean;
import kleinhirn.core.harpoon.HostProcesses;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.core.port.Pipes;

/**
 * A pipe for a child's stderr, held until we know where its bytes belong; then one platform
 * thread (blocking reads) copies them to our stdout or stderr until every writer has closed it.
 * The container inherits the runtime's stderr, so after a good start this pump carries the
 * container's stderr for its whole run; as with a direct fd, a stalled stdout stalls the writer.
 */
final class HeldPipe implements HostProcesses.HeldOutput {
    private final Pipes pipes;
    private final Pipes.Pipe pipe;
    private final AtomicBoolean decided = new AtomicBoolean();

    private HeldPipe(Pipes pipes, Pipes.Pipe pipe) {
        this.pipes = pipes;
        this.pipe = pipe;
    }

    /** Both ends close-on-exec: the spawner dup2s the write end onto the child's fd 2. */
    static HeldPipe open(Pipes pipes) throws ErrnoException {
        return new HeldPipe(pipes, pipes.open());
    }

    int writeEnd() { return pipe.writeEnd(); }

    /** After the spawn (or a failed one): only the child may hold the write end, or EOF never comes. */
    void closeWriteEnd() { pipes.close(pipe.writeEnd()); }

    @Override public void toStdout() { pumpTo(new FileOutputStream(FileDescriptor.out)); }

    @Override public void toStderr() { pumpTo(new FileOutputStream(FileDescriptor.err)); }

    private void pumpTo(OutputStream out) {
        if (!decided.compareAndSet(false, true)) return;
        Thread.ofPlatform().daemon(true).name("stderr-pump").stackSize(128 * 1024).start(() -> pump(out));
    }

    private void pump(OutputStream out) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = pipes.reader(pipe.readEnd())) {
            for (int n; (n = in.read(buf)) > 0; ) {
                try {
                    out.write(buf, 0, n);
                } catch (IOException gone) {
                    // our stdout/stderr is closed (EPIPE): keep draining so the writer never blocks
                }
            }
        } catch (IOException e) {
            // a read error on our own pipe cannot happen; the pipe is closed either way
        }
    }
}
