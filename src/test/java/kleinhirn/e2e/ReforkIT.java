package kleinhirn.e2e;

/** Reforking end to end, kleinhirn started as a plain process. */
class ReforkIT extends ReforkTests {
    @Override
    boolean pid1() {
        return false;
    }
}
