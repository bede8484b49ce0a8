package kleinhirn.core.config;

import java.time.Duration;

/**
 * humantime durations as the original accepted them: "400ms", "1s", "2m", "1h30m", "1h 30m",
 * "1.5s"; units ns, us, ms, s, m, h, d with their long spellings.
 */
public final class Durations {
    private static final Duration MAX = Duration.ofNanos(Long.MAX_VALUE);

    private Durations() {}

    /** Returns null when {@code s} is not a duration. */
    public static Duration parse(String s) {
        String t = s.trim();
        if (t.isEmpty()) return null;
        Duration total = Duration.ZERO;
        int i = 0;
        while (i < t.length()) {
            while (i < t.length() && t.charAt(i) == ' ') i++;
            int numStart = i;
            while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.')) i++;
            if (i == numStart) return null;
            String num = t.substring(numStart, i);
            while (i < t.length() && t.charAt(i) == ' ') i++;
            int unitStart = i;
            while (i < t.length() && Character.isLetter(t.charAt(i))) i++;
            long nanosPerUnit = unit(t.substring(unitStart, i));
            if (nanosPerUnit < 0) return null;
            try {
                double v = Double.parseDouble(num);
                double nanos = v * nanosPerUnit;
                if (nanos > 9.2e18) return null;
                total = total.plusNanos((long) nanos);
                // Each term fits, but their sum must too: everything downstream counts in
                // nanoseconds (found by fuzzing: "200000d 200000d" overflowed in format).
                if (total.compareTo(MAX) > 0) return null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return total;
    }

    private static long unit(String u) {
        return switch (u) {
            case "ns", "nsec" -> 1L;
            case "us", "usec" -> 1_000L;
            case "ms", "msec", "millis" -> 1_000_000L;
            case "s", "sec", "secs", "second", "seconds" -> 1_000_000_000L;
            case "m", "min", "mins", "minute", "minutes" -> 60_000_000_000L;
            case "h", "hr", "hrs", "hour", "hours" -> 3_600_000_000_000L;
            case "d", "day", "days" -> 86_400_000_000_000L;
            default -> -1;
        };
    }

    /** The shortest humantime spelling, for printing effective configs: "60s", "400ms". */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (d.toNanos() % 1_000_000 != 0) return d.toNanos() + "ns";
        if (ms % 1000 != 0) return ms + "ms";
        long s = ms / 1000;
        if (s != 0 && s % 3600 == 0) return s / 3600 + "h";
        if (s != 0 && s % 60 == 0) return s / 60 + "m";
        return s + "s";
    }
}
