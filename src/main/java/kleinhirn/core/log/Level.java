package kleinhirn.core.log;

import java.util.Locale;

/**
 * The original's level names, most severe first. A level is spelled one way everywhere: as in
 * the config ("warning"), in every log format, so one filter matches logfmt, prefix and JSON lines.
 */
public enum Level {
    CRITICAL("critical"), ERROR("error"), WARNING("warning"), INFO("info"), DEBUG("debug"), TRACE("trace");

    private final String configName;

    Level(String configName) {
        this.configName = configName;
    }

    /** As written in the config and in every log line: "warning". */
    public String configName() { return configName; }

    public static Level parse(String s) {
        String n = s.toLowerCase(Locale.ROOT);
        for (Level l : values()) if (l.configName.equals(n)) return l;
        return switch (n) {
            case "warn" -> WARNING;
            case "crit" -> CRITICAL;
            default -> null;
        };
    }
}
