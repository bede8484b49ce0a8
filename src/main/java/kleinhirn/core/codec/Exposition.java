package kleinhirn.core.codec;

import java.math.BigDecimal;
import java.util.regex.Pattern;

/**
 * A writer for the Prometheus text exposition format 0.0.4. Each family is declared once with
 * {@code # HELP} and {@code # TYPE} before its samples; samples of a family must follow their
 * declaration without another family in between (the format forbids interleaving). Help text
 * escapes {@code \} and newline; label values escape {@code \}, {@code "} and newline. Names
 * are checked, so a typo fails a test instead of a scrape.
 */
public final class Exposition {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Pattern METRIC = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    public enum Type { COUNTER, GAUGE, HISTOGRAM }

    private final StringBuilder b = new StringBuilder(2048);
    private String family;
    private Type type;

    /** Starts a family: the HELP and TYPE lines. */
    public Exposition family(String name, Type type, String help) {
        name(name);
        family = name;
        this.type = type;
        b.append("# HELP ").append(name).append(' ');
        Escaper.HELP.append(b, help);
        b.append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type.name().toLowerCase(java.util.Locale.ROOT)).append('\n');
        return this;
    }

    /**
     * One sample of the current family; {@code labels} alternate name, value. For a histogram,
     * {@code suffix} is {@code _bucket}, {@code _sum} or {@code _count}; otherwise empty.
     */
    public Exposition sample(String suffix, double value, String... labels) {
        if (family == null) throw new IllegalStateException("sample before family");
        boolean ok = type == Type.HISTOGRAM
                ? suffix.equals("_bucket") || suffix.equals("_sum") || suffix.equals("_count")
                : suffix.isEmpty();
        if (!ok) throw new IllegalArgumentException("suffix " + suffix + " for a " + type);
        if (labels.length % 2 != 0) throw new IllegalArgumentException("labels come in pairs");
        b.append(family).append(suffix);
        if (labels.length > 0) {
            b.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                if (!LABEL.matcher(labels[i]).matches() || labels[i].startsWith("__")) {
                    throw new IllegalArgumentException("bad label name: " + labels[i]);
                }
                if (i > 0) b.append(',');
                b.append(labels[i]).append("=\"");
                Escaper.LABEL.append(b, labels[i + 1]);
                b.append('"');
            }
            b.append('}');
        }
        b.append(' ').append(number(value)).append('\n');
        return this;
    }

    /** A sample without suffix: counters and gauges. */
    public Exposition sample(double value, String... labels) {
        return sample("", value, labels);
    }

    public String text() {
        return b.toString();
    }

    /** Integers without a fraction, +Inf/-Inf/NaN as the format spells them, else the shortest decimal. */
    public static String number(double v) {
        if (Double.isNaN(v)) return "NaN";
        if (Double.isInfinite(v)) return v > 0 ? "+Inf" : "-Inf";
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    private static void name(String n) {
        if (!METRIC.matcher(n).matches()) throw new IllegalArgumentException("bad metric name: " + n);
    }
}
