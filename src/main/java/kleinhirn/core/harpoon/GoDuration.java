package kleinhirn.core.harpoon;

import java.time.Duration;

/** Go's {@code time.ParseDuration}: {@code "3s"}, {@code "250ms"}, {@code "1h2m3.5s"}, {@code "-1.5h"}, {@code "0"}. */
public final class GoDuration {
    private GoDuration() {}

    public static Duration parse(String s) {
        String orig = s;
        int i = 0;
        boolean neg = false;
        if (i < s.length() && (s.charAt(i) == '-' || s.charAt(i) == '+')) { neg = s.charAt(i) == '-'; i++; }
        if (s.substring(i).equals("0")) return Duration.ZERO;
        if (i == s.length()) throw bad(orig);
        double total = 0; // nanoseconds; precise enough for every duration a config carries
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) i++;
            String num = s.substring(start, i);
            if (num.isEmpty() || num.equals(".") || num.indexOf('.') != num.lastIndexOf('.')) throw bad(orig);
            int ustart = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') i++;
            String unit = s.substring(ustart, i);
            long scale = switch (unit) {
                case "ns" -> 1L;
                case "us", "\u00b5s", "\u03bcs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                case "" -> throw new IllegalArgumentException("time: missing unit in duration \"" + orig + "\"");
                default -> throw new IllegalArgumentException("time: unknown unit \"" + unit + "\" in duration \"" + orig + "\"");
            };
            total += Double.parseDouble(num.startsWith(".") ? "0" + num : num) * scale;
        }
        if (total > Long.MAX_VALUE) throw bad(orig);
        long nanos = Math.round(total);
        return Duration.ofNanos(neg ? -nanos : nanos);
    }

    /** Go's {@code Duration.String} to the millisecond: {@code 250ms}, {@code 1s}, {@code 1.5s}, {@code 2m30s}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) return ms + "ms";
        StringBuilder b = new StringBuilder();
        long h = ms / 3_600_000, m = ms / 60_000 % 60, sec = ms / 1000 % 60, frac = ms % 1000;
        if (h > 0) b.append(h).append('h');
        if (h > 0 || m > 0) b.append(m).append('m');
        b.append(sec);
        if (frac > 0) b.append('.').append(String.format("%03d", frac).replaceAll("0+$", ""));
        return b.append('s').toString();
    }

    private static IllegalArgumentException bad(String s) {
        return new IllegalArgumentException("time: invalid duration \"" + s + "\"");
    }
}
