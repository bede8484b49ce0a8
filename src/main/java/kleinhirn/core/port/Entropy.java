package kleinhirn.core.port;

/**
 * Unguessable bytes: the pool's id seed, the ack channels' pairing tokens, the names of our
 * private sockets and directories. A port, not {@code new SecureRandom()}, because the JDK's
 * provider setup costs ~6 ms on the startup path and we only ever need a few bytes.
 */
@FunctionalInterface
public interface Entropy {
    byte[] bytes(int n);

    default long nextLong() {
        long v = 0;
        for (byte b : bytes(8)) v = (v << 8) | (b & 0xff);
        return v;
    }

    default String hex(int n) {
        return java.util.HexFormat.of().formatHex(bytes(n));
    }
}
