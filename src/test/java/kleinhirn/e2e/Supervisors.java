package kleinhirn.e2e;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The supervisors a test started ({@code @RegisterExtension}): each is closed after the test, also on failure. */
final class Supervisors implements AfterEachCallback {
    private final List<Supervisor> started = new ArrayList<>();

    Supervisor add(Supervisor s) {
        started.add(s);
        return s;
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        for (Supervisor s : started) s.close();
        started.clear();
    }
}
