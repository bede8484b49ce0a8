package kleinhirn.e2e;

/** The same suite with kleinhirn as PID 1 of a new PID namespace (unshare --pid --fork --mount-proc). */
class PoolAsPid1IT extends PoolTests {
    @Override
    boolean pid1() {
        return true;
    }
}
