package kleinhirn.e2e;

/** The pool suite with kleinhirn as an ordinary process. */
class PoolIT extends PoolTests {
    @Override
    boolean pid1() {
        return false;
    }
}
