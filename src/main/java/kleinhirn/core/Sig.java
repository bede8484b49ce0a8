package kleinhirn.core;

import java.util.Locale;

/** Linux signal numbers (x86_64 and aarch64 agree on these) and their names. */
public final class Sig {
    public static final int HUP = 1, INT = 2, QUIT = 3, KILL = 9, USR1 = 10, USR2 = 12, PIPE = 13,
            ALRM = 14, TERM = 15, CHLD = 17, CONT = 18, STOP = 19, URG = 23, WINCH = 28;

    private static final String[] NAMES = {
        null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
        "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU",
        "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"
    };

    private Sig() {}

    /** "TERM" for 15; "SIG42" for numbers without a name. */
    public static String name(int sig) {
        return sig > 0 && sig < NAMES.length ? NAMES[sig] : "SIG" + sig;
    }

    /** Parses "TERM", "SIGTERM", "term" or "15"; returns -1 if it is not a signal. */
    public static int parse(String s) {
        String n = s.trim().toUpperCase(Locale.ROOT);
        if (n.startsWith("SIG")) n = n.substring(3);
        for (int i = 1; i < NAMES.length; i++) if (n.equals(NAMES[i])) return i;
        try {
            int v = Integer.parseInt(n);
            return v > 0 && v < 65 ? v : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
