package kleinhirn.runtime.pool;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import kleinhirn.core.pool.PoolEvent;
import kleinhirn.core.port.NotifyInbox;
import kleinhirn.runtime.log.Throttle;
import org.junit.jupiter.api.Test;

/** The workers' sd_notify receiver against a fake inbox and a fake process table. */
class WorkerNotifyTest {
    private static final int SELF = 100;

    /** Hands out the queued datagrams, then reports the inbox closed. */
    private static final class FakeInbox implements NotifyInbox {
        record Sent(int pid, String text) {}

        final Deque<Sent> queued = new ArrayDeque<>();

        @Override public String address() { return "@fake"; }

        @Override
        public Datagram receive(byte[] into) {
            Sent s = queued.poll();
            if (s == null) return null;
            byte[] b = s.text().getBytes(StandardCharsets.UTF_8);
            int n = Math.min(b.length, into.length);
            System.arraycopy(b, 0, into, 0, n);
            return new Datagram(n, s.pid(), 0, b.length > into.length, 0);
        }

        @Override public boolean controlTruncated() { return false; }

        @Override public void close() {}
    }

    private final FakeInbox inbox = new FakeInbox();
    private final Fakes.FakeProcesses processes = new Fakes.FakeProcesses();
    private final Fakes.Captured logs = new Fakes.Captured();
    private final List<PoolEvent> posted = new ArrayList<>();

    private void receive(Set<Integer> known) {
        new WorkerNotify(inbox, SELF, processes, posted::add, new Throttle(logs.log), logs.log, known::contains)
                .receive();
    }

    @Test
    void aKnownWorkersReadyIsAnAck() {
        inbox.queued.add(new FakeInbox.Sent(42, "READY=1"));
        receive(Set.of(42));
        assertEquals(List.of(new PoolEvent.AckedByPid(42, "notify_socket")), posted);
    }

    @Test
    void aDescendantSpeaksForTheNearestKnownWorker() {
        // systemd-notify run by a shell in the worker: 300 -> 200 -> 42 (worker) -> us
        processes.parents.putAll(java.util.Map.of(300, 200, 200, 42, 42, SELF));
        inbox.queued.add(new FakeInbox.Sent(300, "STATUS=warming up\nWATCHDOG=1"));
        receive(Set.of(42));
        assertEquals(List.of(new PoolEvent.Notified(42, true, "warming up", false)), posted);
    }

    @Test
    void aChildOfOursNotYetKnownIsNamedForTheMachineToDecide() {
        processes.parents.putAll(java.util.Map.of(201, 43, 43, SELF));
        inbox.queued.add(new FakeInbox.Sent(201, "READY=1"));
        receive(Set.of());
        assertEquals(List.of(new PoolEvent.AckedByPid(43, "notify_socket")), posted);
    }

    @Test
    void strangersAndSendersAlreadyGoneAreIgnoredAndLogged() {
        processes.parents.putAll(java.util.Map.of(500, 1));
        inbox.queued.add(new FakeInbox.Sent(500, "READY=1")); // not below us
        inbox.queued.add(new FakeInbox.Sent(501, "READY=1")); // gone: /proc has no parent
        inbox.queued.add(new FakeInbox.Sent(0, "READY=1"));   // no credentials
        receive(Set.of(42));
        assertEquals(List.of(), posted);
        assertTrue(logs.text().contains("not a worker"), logs.text());
    }

    @Test
    void oversizedOrMalformedDatagramsAreIgnored() {
        inbox.queued.add(new FakeInbox.Sent(42, "READY=1\n" + "x".repeat(NotifyInbox.MAX_DATAGRAM)));
        inbox.queued.add(new FakeInbox.Sent(42, "READY=1\ngarbage"));
        receive(Set.of(42));
        assertEquals(List.of(), posted);
        assertTrue(logs.text().contains("oversized"), logs.text());
    }
}
