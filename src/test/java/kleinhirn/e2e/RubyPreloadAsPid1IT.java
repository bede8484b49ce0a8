package kleinhirn.e2e;

/** The preloading suite with kleinhirn as PID 1 of a new PID namespace (unshare --pid --fork --mount-proc). */
class RubyPreloadAsPid1IT extends RubyPreloadTests {
    @Override
    boolean pid1() {
        return true;
    }
}
