package kleinhirn.core.log;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import kleinhirn.core.codec.Escaper;
import kleinhirn.core.codec.Json;

/**
 * Encodes a record as one line (with trailing newline). Values never break a line: logfmt
 * quotes anything outside {@code [A-Za-z0-9-._/@^+:]} and escapes quotes and control
 * characters; JSON escapes them too. Fields with a null value are left out.
 */
public enum LogFormat {
    /** {@code ts=... level=info logger=kleinhirn service=web msg="..." k=v} */
    LOGFMT,
    /** The original's {@code info | [#tag\t]msg\tlogger=kleinhirn service=web k=v} (its level spelled as ours). */
    LOGFMT_PREFIX,
    /** {@code {"ts":...,"level":"info","msg":...,"logger":...,"service":...,k:v}} */
    JSON;

    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    /** {@code context} holds the fixed fields every line carries (logger, service), alternating. */
    public String encode(Log rec, Instant ts, List<Object> context) {
        StringBuilder b = new StringBuilder(128);
        switch (this) {
            case LOGFMT -> {
                b.append("ts=").append(TS.format(ts)).append(" level=").append(rec.level().configName());
                pairs(b, context, true);
                b.append(" msg=");
                value(b, rec.msg());
                if (rec.tag() != null) b.append(" tag=").append(rec.tag());
                pairs(b, rec.kv(), true);
            }
            case LOGFMT_PREFIX -> {
                b.append(rec.level().configName()).append(" | ");
                if (rec.tag() != null) b.append('#').append(rec.tag()).append('\t');
                text(b, rec.msg());
                b.append('\t');
                pairs(b, context, false);
                pairs(b, rec.kv(), true);
            }
            case JSON -> {
                b.append("{\"ts\":\"").append(TS.format(ts)).append("\",\"level\":\"").append(rec.level().configName())
                        .append("\",\"msg\":");
                Json.quote(b, rec.msg());
                if (rec.tag() != null) {
                    b.append(",\"tag\":");
                    Json.quote(b, rec.tag());
                }
                jsonPairs(b, context);
                jsonPairs(b, rec.kv());
                b.append('}');
            }
        }
        return b.append('\n').toString();
    }

    private static void pairs(StringBuilder b, List<Object> kv, boolean leadingSpace) {
        boolean space = leadingSpace;
        for (int i = 0; i < kv.size(); i += 2) {
            Object v = kv.get(i + 1);
            if (v == null) continue;
            if (space) b.append(' ');
            space = true;
            key(b, kv.get(i).toString());
            b.append('=');
            value(b, v instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList()) : v.toString());
        }
    }

    private static void jsonPairs(StringBuilder b, List<Object> kv) {
        for (int i = 0; i < kv.size(); i += 2) {
            Object v = kv.get(i + 1);
            if (v == null) continue;
            b.append(',');
            Json.quote(b, kv.get(i).toString());
            b.append(':');
            Json.write(b, v instanceof Number || v instanceof Boolean || v instanceof List<?> ? v : v.toString());
        }
    }

    /**
     * A logfmt key. Keys may come from outside (the loader's log lines): anything but
     * {@code [A-Za-z0-9_.-]} becomes '_', so a key can never break or forge a line.
     */
    static void key(StringBuilder b, String k) {
        if (k.isEmpty()) {
            b.append('_');
            return;
        }
        for (int i = 0; i < k.length(); i++) {
            char c = k.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == '-';
            b.append(ok ? c : '_');
        }
    }

    /** A logfmt value: bare when safe, else quoted and escaped. */
    static void value(StringBuilder b, String s) {
        if (isBare(s)) {
            b.append(s);
            return;
        }
        Escaper.LOGFMT.quote(b, s);
    }

    /** The message of the prefix form is free text, but still never spans lines. */
    private static void text(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) b.append(c == '\n' ? "\\n" : c == '\t' ? "\\t" : "?");
            else b.append(c);
        }
    }

    private static boolean isBare(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '/' || c == '@' || c == '^' || c == '+' || c == ':';
            if (!ok) return false;
        }
        return true;
    }
}
