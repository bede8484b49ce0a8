package kleinhirn.core.codec;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Numbers, dates and times for {@link Toml}, read by hand from a {@link TomlCursor}. */
final class TomlScalars {
    private TomlScalars() {}

    /** At a digit, sign, 'i' or 'n': an integer, float, date, time or date-time. */
    static Object read(TomlCursor c) {
        if (digitsAt(c, 0, 4) && c.peek(4) == '-') return dateOrDateTime(c);
        if (digitsAt(c, 0, 2) && c.peek(2) == ':') return time(c);
        return number(c);
    }

    private static boolean digitsAt(TomlCursor c, int from, int n) {
        for (int k = from; k < from + n; k++) if (!TomlCursor.isDigit(c.peek(k))) return false;
        return true;
    }

    // ---- numbers ----

    private static Object number(TomlCursor c) {
        int at = c.i;
        while (!c.atEnd()) {
            char ch = c.peek();
            if (!TomlCursor.isBare(ch) && ch != '.' && ch != '+') break;
            c.i++;
        }
        String t = c.s.substring(at, c.i);
        int p = 0;
        boolean signed = false;
        if (!t.isEmpty() && (t.charAt(0) == '+' || t.charAt(0) == '-')) {
            signed = true;
            p = 1;
        }
        boolean negative = signed && t.charAt(0) == '-';
        if (t.startsWith("inf", p) && t.length() == p + 3) return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        if (t.startsWith("nan", p) && t.length() == p + 3) return Double.NaN;
        if (t.startsWith("0x", p)) return prefixed(c, t, at, p, signed, 16, "hexadecimal");
        if (t.startsWith("0o", p)) return prefixed(c, t, at, p, signed, 8, "octal");
        if (t.startsWith("0b", p)) return prefixed(c, t, at, p, signed, 2, "binary");

        int end = digits(c, t, at, p, 10);
        if (end == p) throw c.error("invalid number '" + t + "'", at);
        if (t.charAt(p) == '0' && end > p + 1) throw c.error("leading zeros are not allowed in '" + t + "'", at);
        boolean isFloat = false;
        if (end < t.length() && t.charAt(end) == '.') {
            isFloat = true;
            int fracEnd = digits(c, t, at, end + 1, 10);
            if (fracEnd == end + 1) throw c.error("expected a digit after the decimal point", at + end + 1);
            end = fracEnd;
        }
        if (end < t.length() && (t.charAt(end) == 'e' || t.charAt(end) == 'E')) {
            isFloat = true;
            int e = end + 1;
            if (e < t.length() && (t.charAt(e) == '+' || t.charAt(e) == '-')) e++;
            int expEnd = digits(c, t, at, e, 10);
            if (expEnd == e) throw c.error("expected a digit in the exponent", at + e);
            end = expEnd;
        }
        if (end != t.length()) throw c.error("invalid number '" + t + "'", at + end);
        String clean = t.replace("_", "");
        if (!isFloat) {
            try {
                return Long.parseLong(clean);
            } catch (NumberFormatException e) {
                throw c.error("integer " + t + " does not fit in 64 bits", at);
            }
        }
        double d = Double.parseDouble(clean);
        if (Double.isInfinite(d)) throw c.error("float " + t + " is out of range", at);
        return d;
    }

    private static Long prefixed(TomlCursor c, String t, int at, int p, boolean signed, int radix, String kind) {
        if (signed) throw c.error(kind + " integers cannot have a sign", at);
        int from = p + 2;
        int end = digits(c, t, at, from, radix);
        if (end == from) throw c.error("expected " + (radix == 8 ? "an " : "a ") + kind + " digit after '" + t.substring(p, from) + "'", at + from);
        if (end != t.length()) throw c.error("invalid " + kind + " digit '" + t.charAt(end) + "'", at + end);
        try {
            return Long.parseLong(t.substring(from).replace("_", ""), radix);
        } catch (NumberFormatException e) {
            throw c.error("integer " + t + " does not fit in 64 bits", at);
        }
    }

    /** Digits of the radix with single underscores between them, from p; returns where they end. */
    private static int digits(TomlCursor c, String t, int at, int p, int radix) {
        int k = p;
        while (k < t.length()) {
            char ch = t.charAt(k);
            if (ch == '_') {
                if (k == p || k + 1 >= t.length() || Character.digit(t.charAt(k + 1), radix) < 0 || t.charAt(k + 1) > 0x7f) {
                    throw c.error("an underscore must be between two digits", at + k);
                }
            } else if (Character.digit(ch, radix) < 0 || ch > 0x7f) {
                break;
            }
            k++;
        }
        return k;
    }

    // ---- dates and times ----

    private static Object dateOrDateTime(TomlCursor c) {
        int at = c.i;
        int year = fixed(c, 4, "year");
        expect(c, '-');
        int month = fixed(c, 2, "month");
        expect(c, '-');
        int day = fixed(c, 2, "day");
        if (month < 1 || month > 12) throw c.error("month must be 01 to 12", at + 5);
        int maxDay = switch (month) {
            case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
        if (day < 1 || day > maxDay) throw c.error("day must be 01 to " + maxDay + " in that month", at + 8);
        LocalDate date = LocalDate.of(year, month, day);
        char sep = c.peek();
        if (!(sep == 'T' || sep == 't' || (sep == ' ' && digitsAt(c, 1, 2) && c.peek(3) == ':'))) return date;
        c.i++;
        LocalTime time = time(c);
        char z = c.peek();
        if (z == 'Z' || z == 'z') {
            c.i++;
            return OffsetDateTime.of(date, time, ZoneOffset.UTC);
        }
        if (z != '+' && z != '-') return LocalDateTime.of(date, time);
        int offAt = c.i;
        c.i++;
        int h = fixed(c, 2, "offset hour");
        expect(c, ':');
        int m = fixed(c, 2, "offset minute");
        if (h > 23 || m > 59) throw c.error("invalid time offset", offAt);
        if (h > 18 || (h == 18 && m > 0)) throw c.error("time offsets beyond +/-18:00 are not supported", offAt);
        int sign = z == '-' ? -1 : 1;
        return OffsetDateTime.of(date, time, ZoneOffset.ofHoursMinutes(sign * h, sign * m));
    }

    /** HH:MM:SS with optional fraction; digits beyond nanoseconds are truncated. */
    private static LocalTime time(TomlCursor c) {
        int at = c.i;
        int h = fixed(c, 2, "hour");
        expect(c, ':');
        int m = fixed(c, 2, "minute");
        expect(c, ':');
        int sec = fixed(c, 2, "second");
        if (h > 23) throw c.error("hour must be 00 to 23", at);
        if (m > 59) throw c.error("minute must be 00 to 59", at + 3);
        if (sec == 60) throw c.error("leap seconds are not supported", at + 6);
        if (sec > 59) throw c.error("second must be 00 to 59", at + 6);
        int nanos = 0;
        if (c.peek() == '.') {
            c.i++;
            if (!TomlCursor.isDigit(c.peek())) throw c.error("expected a digit after the decimal point");
            int n = 0;
            while (TomlCursor.isDigit(c.peek())) {
                if (n < 9) nanos = nanos * 10 + (c.peek() - '0');
                n++;
                c.i++;
            }
            for (; n < 9; n++) nanos *= 10;
        }
        return LocalTime.of(h, m, sec, nanos);
    }

    private static int fixed(TomlCursor c, int n, String what) {
        int v = 0;
        for (int k = 0; k < n; k++) {
            char ch = c.peek();
            if (!TomlCursor.isDigit(ch)) throw c.error("expected " + n + " digits for the " + what + ", found " + c.describe());
            v = v * 10 + (ch - '0');
            c.i++;
        }
        return v;
    }

    private static void expect(TomlCursor c, char ch) {
        if (c.peek() != ch) throw c.error("expected '" + ch + "' in date or time, found " + c.describe());
        c.i++;
    }
}
