package kleinhirn.e2e;

/** The preloading suite, kleinhirn started normally. */
class RubyPreloadIT extends RubyPreloadTests {
    @Override
    boolean pid1() {
        return false;
    }
}
