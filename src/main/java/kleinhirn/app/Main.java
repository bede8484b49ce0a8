package kleinhirn.app;

import java.io.PrintStream;
import java.nio.file.Path;
import kleinhirn.core.config.ConfigReader;
import kleinhirn.core.config.EffectiveConfig;

/**
 * {@code kleinhirn}: the command line. Exit codes: 0 after a requested stop (or a successful
 * check), 1 when the supervisor itself fails at run time (e.g. the health port is taken), 2 for
 * usage and configuration errors, always before anything is spawned.
 */
public final class Main {
    static final String USAGE = """
            Usage:
              kleinhirn [-f|--config-file FILE]          run the supervisor (default FILE: ./kleinhirn.toml)
              kleinhirn check [--strict] [-f FILE]       validate FILE, print the effective config
              kleinhirn -h|--help                        this text
              kleinhirn -V|--version                     print the version

            Signals: TERM/INT stop gracefully (a second one kills everything);
                     HUP, USR1, USR2, WINCH are forwarded to every worker's process group.
            Exit codes: 0 stopped on request or check passed; 1 runtime failure of the supervisor;
                        2 usage or configuration error (nothing was spawned).
            """;

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        boolean check = false, strict = false;
        String file = "kleinhirn.toml";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-h", "--help" -> {
                    out.print(USAGE);
                    return 0;
                }
                case "-V", "--version" -> {
                    out.println("kleinhirn " + Version.VERSION);
                    return 0;
                }
                case "check" -> {
                    if (i != 0) return usage(err, "'check' must come first");
                    check = true;
                }
                case "--strict" -> {
                    if (!check) return usage(err, "--strict goes with 'check'");
                    strict = true;
                }
                case "-f", "--config-file" -> {
                    if (i + 1 >= args.length) return usage(err, a + " needs a file");
                    file = args[++i];
                }
                default -> {
                    if (a.startsWith("--config-file=")) file = a.substring("--config-file=".length());
                    else return usage(err, "unknown argument: " + a);
                }
            }
        }
        Path path = Path.of(file);
        ConfigReader.Result r = ConfigFiles.load(path);
        boolean failed = !r.errors().isEmpty() || (strict && !r.warnings().isEmpty());
        for (String e : r.errors()) err.println("kleinhirn: error: " + e);
        // A supervisor that runs logs its warnings itself, in the configured format (JSON lines
        // stay JSON); printed here only by `check` or when nothing will run.
        if (check || failed) {
            for (String w : r.warnings()) err.println("kleinhirn: " + (strict ? "error" : "warning") + ": " + w);
        }
        if (failed) {
            err.println("kleinhirn: " + path + ": invalid configuration, nothing was started");
            return 2;
        }
        if (check) {
            out.print(EffectiveConfig.toml(r.config()));
            return 0;
        }
        return PoolMain.run(r.config(), r.warnings());
    }

    private static int usage(PrintStream err, String why) {
        err.println("kleinhirn: " + why);
        err.print(USAGE);
        return 2;
    }
}
