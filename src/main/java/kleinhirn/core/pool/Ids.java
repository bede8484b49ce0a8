package kleinhirn.core.pool;

/**
 * Worker ids as UUID v4 strings, derived from (seed, n) with SplitMix64 so the machine stays a
 * pure function: production seeds from getrandom(2) once (KernelEntropy), tests pass a fixed seed.
 */
final class Ids {
    private Ids() {}

    static String uuid(long seed, long n) {
        long hi = mix(seed + n * 0x9E3779B97F4A7C15L);
        long lo = mix(hi ^ seed ^ (n << 1));
        hi = (hi & 0xFFFFFFFFFFFF0FFFL) | 0x0000000000004000L; // version 4
        lo = (lo & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // IETF variant
        return new java.util.UUID(hi, lo).toString();
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
