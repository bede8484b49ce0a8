package kleinhirn.fuzz;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/**
 * A small mutational fuzzer on top of jqwik (Jazzer 0.24 cannot instrument Java 25 class files,
 * see docs/reliability.md). Each target has a checked-in seed corpus under
 * {@code src/test/resources/fuzz/TARGET/}; an input is a seed (or pure noise) put through up to
 * eight random mutations (bit flips, inserts, deletes, duplicated ranges, splices with other seeds,
 * tokens the format cares about). jqwik supplies the loop, the seed that reproduces a failure and
 * the tries: {@code jqwik.tries.default} in junit-platform.properties for CI, more with
 * {@code -Djqwik.tries.default=N} for a long local run.
 *
 * <p>{@link #bounded} runs one decode and checks the two bounds every decoder promises: it
 * returns within {@link #HANG_NANOS} (a hang detector, far above any real parse) and allocates
 * at most {@code perByte * input + 1 MiB}.
 */
public final class Fuzz {
    /** Longest input we make: every decoder here reads lines or files far shorter than this. */
    public static final int MAX_INPUT = 256 * 1024;
    /**
     * Allocation per input byte allowed to line protocols: a line may be one byte long and still
     * costs a string, a decoder and perhaps a parse error (an IllegalArgumentException with this
     * test's deep stack: ~2.3 KB for a two-byte line): linear, but not small. What the bound catches is growth faster than the
     * input, and allocation driven by a length or count field.
     */
    public static final long PER_LINE = 4096;
    static final long HANG_NANOS = 10_000_000_000L;
    private static final long SLACK_BYTES = 1 << 20;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static final byte[][] TOKENS = bytes("\n", "\r\n", "\"", "'", "\\", "\\u", "\\U0010FFFF", "\\uD800", "{", "}",
            "[", "]", "[[", "]]", ",", ":", "=", "#", ".", "-", "+", "e", "E", "0x", "0o", "0b", "_", "inf", "nan",
            "true", "false", "null", "\"\"\"", "'''", "1979-05-27T07:32:00Z", "data: ", "event: ", "id: ", "retry: ", ": ",
            "\uFEFF", "%0A", "%25", "---", "- ", "READY=1", "WATCHDOG=1", "STATUS=", "\u0000", "\u00ff",
            "ms", "s", "m", "h", "ns", "us", "\u00b5s", "9223372036854775807", "-9223372036854775808", "1e309",
            "0.000000000000000000001", "{\"action\":\"ack\",\"id\":\"", "\"}");

    private Fuzz() {}

    /** The seed corpus of {@code target}, read from the test classpath. */
    public static List<byte[]> corpus(String target) {
        try (InputStream index = Fuzz.class.getResourceAsStream("/fuzz/" + target + "/INDEX")) {
            if (index == null) throw new IllegalStateException("no corpus for " + target);
            List<byte[]> seeds = new ArrayList<>();
            for (String name : new String(index.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (name.isBlank()) continue;
                try (InputStream in = Fuzz.class.getResourceAsStream("/fuzz/" + target + "/" + name.strip())) {
                    if (in == null) throw new IllegalStateException("corpus file missing: " + target + "/" + name);
                    seeds.add(in.readAllBytes());
                }
            }
            return seeds;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Mutated seeds of {@code target}; one input in 16 is noise, one in 16 a seed as it is. */
    public static Arbitrary<byte[]> inputs(String target) {
        List<byte[]> seeds = corpus(target);
        return Arbitraries.longs().map(seed -> make(seeds, new Random(seed)));
    }

    static byte[] make(List<byte[]> seeds, Random r) {
        int pick = r.nextInt(16);
        if (pick == 0) {
            byte[] noise = new byte[r.nextInt(256)];
            r.nextBytes(noise);
            return noise;
        }
        byte[] b = seeds.get(r.nextInt(seeds.size()));
        if (pick == 1) return b;
        int n = 1 + r.nextInt(8);
        for (int i = 0; i < n; i++) b = mutate(b, seeds, r);
        return b.length > MAX_INPUT ? Arrays.copyOf(b, MAX_INPUT) : b;
    }

    private static byte[] mutate(byte[] b, List<byte[]> seeds, Random r) {
        int len = b.length;
        int at = len == 0 ? 0 : r.nextInt(len + 1);
        return switch (r.nextInt(8)) {
            case 0 -> { // flip a bit
                if (len == 0) yield b;
                byte[] c = b.clone();
                int i = r.nextInt(len);
                c[i] ^= (byte) (1 << r.nextInt(8));
                yield c;
            }
            case 1 -> insert(b, at, new byte[] {(byte) r.nextInt(256)});
            case 2 -> insert(b, at, TOKENS[r.nextInt(TOKENS.length)]);
            case 3 -> { // delete a range
                if (len == 0) yield b;
                int from = r.nextInt(len), to = Math.min(len, from + 1 + r.nextInt(16));
                byte[] c = new byte[len - (to - from)];
                System.arraycopy(b, 0, c, 0, from);
                System.arraycopy(b, to, c, from, len - to);
                yield c;
            }
            case 4 -> { // repeat a range: long lines, deep nesting
                if (len == 0) yield b;
                int from = r.nextInt(len), span = Math.min(len - from, 1 + r.nextInt(8));
                byte[] piece = Arrays.copyOfRange(b, from, from + span);
                int times = 1 + r.nextInt(r.nextInt(8) == 0 ? 4096 : 16);
                byte[] rep = new byte[Math.min(MAX_INPUT, span * times)];
                for (int i = 0; i < rep.length; i++) rep[i] = piece[i % span];
                yield insert(b, from, rep);
            }
            case 5 -> { // splice: our head, another seed's tail
                byte[] other = seeds.get(r.nextInt(seeds.size()));
                int cut = other.length == 0 ? 0 : r.nextInt(other.length);
                byte[] c = Arrays.copyOf(b, at + other.length - cut);
                System.arraycopy(other, cut, c, at, other.length - cut);
                yield c;
            }
            case 6 -> { // an interesting byte
                if (len == 0) yield b;
                byte[] c = b.clone();
                c[r.nextInt(len)] = (byte) new int[] {0, 0x7f, 0x80, 0xff, '\n', '\r', '"', '\\', ' ', '0', '9'}[r.nextInt(11)];
                yield c;
            }
            default -> { // truncate
                yield Arrays.copyOf(b, at);
            }
        };
    }

    private static byte[] insert(byte[] b, int at, byte[] piece) {
        byte[] c = new byte[b.length + piece.length];
        System.arraycopy(b, 0, c, 0, at);
        System.arraycopy(piece, 0, c, at, piece.length);
        System.arraycopy(b, at, c, at + piece.length, b.length - at);
        return c;
    }

    /** A decode of {@code input}; throwing anything but the documented parse error fails the target. */
    @FunctionalInterface
    public interface Decode {
        void run() throws Exception;
    }

    /**
     * Runs {@code decode} on this thread and checks time and allocation; an unexpected throwable
     * propagates. A failing input is also saved under target/fuzz-findings for the regression test.
     */
    public static void bounded(String target, byte[] input, long perByte, Decode decode) throws Exception {
        long allocBefore = THREADS.getCurrentThreadAllocatedBytes();
        long start = System.nanoTime();
        try {
            decode.run();
        } catch (Exception | Error e) {
            save(target, input);
            throw e;
        }
        long took = System.nanoTime() - start;
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocBefore;
        long bound = perByte * input.length + SLACK_BYTES;
        if (took > HANG_NANOS || allocated > bound) {
            save(target, input);
            throw new AssertionError(target + ": " + input.length + "-byte input took " + took / 1_000_000 + " ms and allocated "
                    + allocated + " bytes (bound " + bound + ")");
        }
    }

    private static void save(String target, byte[] input) {
        try {
            Path dir = Path.of("target", "fuzz-findings");
            Files.createDirectories(dir);
            Files.write(dir.resolve(target + "-" + HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-1").digest(input)).substring(0, 12)), input);
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            // the property's own report still shows the input
        }
    }

    private static byte[][] bytes(String... s) {
        byte[][] out = new byte[s.length][];
        for (int i = 0; i < s.length; i++) out[i] = s[i].getBytes(StandardCharsets.UTF_8);
        return out;
    }
}
