package kleinhirn.linux;

import java.util.function.IntConsumer;
import kleinhirn.core.Sig;
import sun.misc.Signal;

/**
 * Signal handlers that only post: each delivery runs on a fresh JVM thread, so the handler hands
 * the number to the loop and returns. Never run with -Xrs (TERM/INT/HUP would be refused and
 * the rest never delivered). As PID 1, a signal without a handler is dropped by the kernel, so
 * every signal we care about gets one explicitly.
 */
public final class Signals {
    private Signals() {}

    public static void handle(IntConsumer sink, int... signals) {
        for (int sig : signals) {
            Signal.handle(new Signal(Sig.name(sig)), s -> sink.accept(s.getNumber()));
        }
    }
}
