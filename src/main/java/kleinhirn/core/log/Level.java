package kleinhirn.core.log;

import java.util.Locale;

/** The original's level names, most severe first. */
public enum Level {
    CRITICAL("critical", "CRIT"), ERROR("error", "ERRO"), WARNING("warning", "WARN"), INFO("info", "INFO"),
    DEBUG("debug", "DEBG"), TRACE("trace", "TRCE");

    private final String configName;
    private final String shortName;

    Level(String configName, String shortName) {
        this.configName = configName;
        this.shortName = shortName;
    }

    /** As written in the config and in logfmt lines: "warning". */
    public String configName() { return configName; }

    /** The original's prefix form: "WARN". */
    public String shortName() { return shortName; }

    /** The JSON form, upper case as the original: "WARNING". */
    public String upper() { return name(); }

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
