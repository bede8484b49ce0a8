package kleinhirn.e2e;

/** The same suite with kleinhirn as PID 1 of a new PID namespace (unshare --pid --fork --mount-proc). */
class ReforkAsPid1IT extends ReforkTests {
    @Override
    boolean pid1() {
        return true;
    }
}
