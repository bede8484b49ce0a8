package kleinhirn.core.codec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text format 0.0.4, written independently of
 * {@link Exposition} from the format's rules, for tests: it throws on anything a scraper would
 * reject or that we promise not to do (a sample without a TYPE, a family split in two, a bad
 * name, a badly escaped label value, a non-cumulative histogram, a missing final newline).
 */
public final class ExpositionParser {
    private static final Pattern METRIC = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern FLOAT = Pattern.compile("[+-]?(Inf|NaN|(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?)");

    public record Sample(String family, String name, Map<String, String> labels, double value) {}

    public record Family(String name, String type, String help, List<Sample> samples) {}

    private ExpositionParser() {}

    /** Families in order of appearance. */
    public static Map<String, Family> parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) throw new IllegalArgumentException("no final newline");
        Map<String, Family> out = new LinkedHashMap<>();
        Map<String, String> help = new HashMap<>();
        String current = null;
        int no = 0;
        for (String line : text.split("\n", -1)) {
            no++;
            if (line.isEmpty()) continue;
            String where = "line " + no + ": " + line;
            if (line.startsWith("# HELP ")) {
                String[] f = line.substring(7).split(" ", 2);
                name(f[0], where);
                if (help.put(f[0], f.length > 1 ? unescapeHelp(f[1], where) : "") != null) throw bad("second HELP", where);
            } else if (line.startsWith("# TYPE ")) {
                String[] f = line.substring(7).split(" ");
                if (f.length != 2) throw bad("TYPE needs name and type", where);
                name(f[0], where);
                if (!List.of("counter", "gauge", "histogram", "summary", "untyped").contains(f[1])) throw bad("unknown type", where);
                if (out.containsKey(f[0])) throw bad("second TYPE", where);
                out.put(f[0], new Family(f[0], f[1], help.get(f[0]), new ArrayList<>()));
                current = f[0];
            } else if (line.startsWith("#")) {
                continue; // a comment
            } else {
                Sample s = sample(line, where);
                String fam = familyOf(s.name(), out);
                if (fam == null) throw bad("sample without TYPE", where);
                if (!fam.equals(current)) throw bad("sample outside its family's block", where);
                if (out.get(fam).help() == null) throw bad("family without HELP", where);
                out.get(fam).samples().add(new Sample(fam, s.name(), s.labels(), s.value()));
            }
        }
        for (Family f : out.values()) {
            if (f.samples().isEmpty()) throw new IllegalArgumentException("family without samples: " + f.name());
            if (f.type().equals("histogram")) checkHistogram(f);
        }
        return out;
    }

    private static String familyOf(String sample, Map<String, Family> fams) {
        Family f = fams.get(sample);
        if (f != null && !f.type().equals("histogram")) return sample;
        for (String suffix : List.of("_bucket", "_sum", "_count")) {
            if (sample.endsWith(suffix)) {
                Family h = fams.get(sample.substring(0, sample.length() - suffix.length()));
                if (h != null && h.type().equals("histogram")) return h.name();
            }
        }
        return null;
    }

    private static Sample sample(String line, String where) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') i++;
        String name = line.substring(0, i);
        name(name, where);
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                if (eq < 0) throw bad("label without =", where);
                String ln = line.substring(i, eq);
                if (!LABEL.matcher(ln).matches() || ln.startsWith("__")) throw bad("bad label name " + ln, where);
                if (line.charAt(eq + 1) != '"') throw bad("label value not quoted", where);
                StringBuilder v = new StringBuilder();
                int k = eq + 2;
                for (; ; k++) {
                    if (k >= line.length()) throw bad("unterminated label value", where);
                    char c = line.charAt(k);
                    if (c == '"') break;
                    if (c == '\\') {
                        char n = line.charAt(++k);
                        switch (n) {
                            case '\\' -> v.append('\\');
                            case '"' -> v.append('"');
                            case 'n' -> v.append('\n');
                            default -> throw bad("bad escape \\" + n, where);
                        }
                    } else {
                        v.append(c);
                    }
                }
                if (labels.put(ln, v.toString()) != null) throw bad("label twice", where);
                i = k + 1;
                if (line.charAt(i) == ',') i++;
                else if (line.charAt(i) != '}') throw bad("expected , or }", where);
            }
            i++;
        }
        if (i >= line.length() || line.charAt(i) != ' ') throw bad("no value", where);
        String[] rest = line.substring(i + 1).split(" ");
        if (rest.length > 2) throw bad("trailing fields", where);
        if (!FLOAT.matcher(rest[0]).matches()) throw bad("bad value " + rest[0], where);
        if (rest.length == 2 && !rest[1].matches("-?\\d+")) throw bad("bad timestamp", where);
        String v = rest[0].replace("Inf", "Infinity");
        return new Sample(null, name, labels, Double.parseDouble(v));
    }

    private static void checkHistogram(Family f) {
        double last = -1;
        double inf = Double.NaN;
        double count = Double.NaN;
        boolean sum = false;
        for (Sample s : f.samples()) {
            switch (s.name().substring(f.name().length())) {
                case "_bucket" -> {
                    String le = s.labels().get("le");
                    if (le == null) throw new IllegalArgumentException(f.name() + ": bucket without le");
                    if (s.value() < last) throw new IllegalArgumentException(f.name() + ": buckets not cumulative");
                    last = s.value();
                    if (le.equals("+Inf")) inf = s.value();
                }
                case "_sum" -> sum = true;
                case "_count" -> count = s.value();
                default -> throw new IllegalArgumentException(f.name() + ": " + s.name());
            }
        }
        if (Double.isNaN(inf) || !sum || Double.isNaN(count) || inf != count) {
            throw new IllegalArgumentException(f.name() + ": needs le=\"+Inf\" equal to _count, and _sum");
        }
    }

    private static String unescapeHelp(String s, String where) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') { b.append(c); continue; }
            char n = s.charAt(++i);
            switch (n) {
                case '\\' -> b.append('\\');
                case 'n' -> b.append('\n');
                default -> throw bad("bad escape in HELP", where);
            }
        }
        return b.toString();
    }

    private static void name(String n, String where) {
        if (!METRIC.matcher(n).matches()) throw bad("bad metric name " + n, where);
    }

    private static IllegalArgumentException bad(String why, String where) {
        return new IllegalArgumentException(why + " (" + where + ")");
    }
}
