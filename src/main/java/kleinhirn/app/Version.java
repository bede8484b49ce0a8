package kleinhirn.app;

/** The distribution's version, as printed by --version and given to workers as KLEINHIRN_VERSION. */
public final class Version {
    public static final String VERSION = "0.1.0";

    private Version() {}
}
