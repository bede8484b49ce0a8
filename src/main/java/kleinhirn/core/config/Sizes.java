package kleinhirn.core.config;

/**
 * Memory sizes as people write them: "512MiB", "1GiB", "300MB", "64 KiB", "1048576" (bytes).
 * Binary units (KiB, MiB, GiB, TiB) are powers of 1024, decimal ones (kB, KB, MB, GB, TB) of 1000.
 */
public final class Sizes {
    private Sizes() {}

    /** Bytes, or null when {@code s} is not a size (or is larger than a long holds). */
    public static Long parse(String s) {
        String t = s.trim();
        int i = 0;
        while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.')) i++;
        if (i == 0) return null;
        long unit = unit(t.substring(i).trim());
        if (unit < 0) return null;
        try {
            double bytes = Double.parseDouble(t.substring(0, i)) * unit;
            return bytes >= 9.2e18 ? null : (long) bytes;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static long unit(String u) {
        return switch (u) {
            case "", "B" -> 1L;
            case "KiB" -> 1L << 10;
            case "MiB" -> 1L << 20;
            case "GiB" -> 1L << 30;
            case "TiB" -> 1L << 40;
            case "kB", "KB" -> 1_000L;
            case "MB" -> 1_000_000L;
            case "GB" -> 1_000_000_000L;
            case "TB" -> 1_000_000_000_000L;
            default -> -1;
        };
    }

    /** The shortest exact binary spelling, for printing effective configs: "512MiB", "1GiB", "1000B". */
    public static String format(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (u < units.length - 1 && bytes != 0 && bytes % 1024 == 0) {
            bytes /= 1024;
            u++;
        }
        return bytes + units[u];
    }
}
