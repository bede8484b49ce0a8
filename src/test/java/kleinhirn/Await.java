package kleinhirn;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The tests' one wait-with-deadline: poll a condition until it holds, or fail when the deadline
 * passes. The poll interval is not a timing assumption; nothing is asserted about how long it took.
 */
public final class Await {
    private static final long POLL_MILLIS = 20;

    private Await() {}

    /** Waits until {@code cond} holds; on timeout fails with {@code what} and {@code context}. */
    public static void until(Duration timeout, String what, BooleanSupplier cond, Supplier<String> context) {
        value(timeout, what, () -> cond.getAsBoolean() ? Optional.of(true) : Optional.empty(), context);
    }

    public static void until(Duration timeout, String what, BooleanSupplier cond) {
        until(timeout, what, cond, () -> "");
    }

    /** Waits until {@code probe} finds something and returns it; the probe may fail() to give up early. */
    public static <T> T value(Duration timeout, String what, Supplier<Optional<T>> probe, Supplier<String> context) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<T> found = probe.get();
            if (found.isPresent()) return found.get();
            if (System.nanoTime() - deadline > 0) return fail("timed out after " + timeout + " waiting for " + what + context.get());
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return fail("interrupted while waiting for " + what);
            }
        }
    }
}
