package kleinhirn.e2e;

import java.util.LinkedHashMap;
import java.util.Map;

/** Reads one logfmt line back into fields (test side; the inverse of our encoder). */
final class Logfmt {
    private Logfmt() {}

    static Map<String, String> parse(String line) {
        Map<String, String> m = new LinkedHashMap<>();
        int i = 0, n = line.length();
        while (i < n) {
            while (i < n && line.charAt(i) == ' ') i++;
            int k = i;
            while (i < n && line.charAt(i) != '=' && line.charAt(i) != ' ') i++;
            if (i >= n || line.charAt(i) != '=') return m.isEmpty() ? Map.of() : m;
            String key = line.substring(k, i++);
            StringBuilder v = new StringBuilder();
            if (i < n && line.charAt(i) == '"') {
                i++;
                while (i < n && line.charAt(i) != '"') {
                    char c = line.charAt(i++);
                    if (c == '\\' && i < n) {
                        char e = line.charAt(i++);
                        v.append(switch (e) {
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            case 'r' -> '\r';
                            default -> e;
                        });
                    } else v.append(c);
                }
                i++;
            } else {
                while (i < n && line.charAt(i) != ' ') v.append(line.charAt(i++));
            }
            m.put(key, v.toString());
        }
        return m;
    }
}
