package kleinhirn.runtime.harpoon;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.Sig;
import kleinhirn.core.harpoon.GoDuration;
import kleinhirn.core.harpoon.HostProcesses;
import kleinhirn.runtime.log.Logger;

/**
 * One call of the OCI runtime at a time, each with a deadline. The runtime runs as the leader of
 * its own process group: when the deadline passes, or {@link #abort} cancels a create/start, the
 * whole group is SIGKILLed (runc forks {@code runc init}; a wrapper script forks anything), so
 * nothing of the call is left running. Calls run on the runtime thread; {@link #abort} on any.
 */
final class RuntimeCalls {
    /** How long the killed call's leader may take to be reaped; SIGKILL makes this short. */
    private static final long REAP_MILLIS = 5000;

    /** The kinds of call: which are cancelled by {@link #abort}, whose stdio the container inherits. */
    enum Call {
        CREATE(true, true), START(true, false), DELETE(false, false);

        final boolean abortable, containerStdio;

        Call(boolean abortable, boolean containerStdio) {
            this.abortable = abortable;
            this.containerStdio = containerStdio;
        }
    }

    /** How a call ended. */
    sealed interface Outcome {
        /**
         * The runtime ran to its end and exited 0. For a create, {@code stderr} is the container's
         * stderr, held: the caller sends it on once the container runs, or to the log.
         */
        record Succeeded(HostProcesses.HeldOutput stderr) implements Outcome {}

        /** The runtime ran to its end and said no; its message is in its log. */
        record Refused(ExitStatus status) implements Outcome {}

        /** It could not run, hung past its deadline, or was cancelled; {@code why} says which. */
        record Failed(String why) implements Outcome {}

        default boolean ok() { return this instanceof Succeeded; }
    }

    /** Nothing held: the call's stderr went to ours directly. */
    private static final HostProcesses.HeldOutput NOT_HELD = new HostProcesses.HeldOutput() {
        @Override public void toStdout() {}

        @Override public void toStderr() {}
    };

    private final String runtime;
    private final Duration timeout;
    private final HostProcesses processes;
    private final Logger log;
    private boolean aborted;      // guarded by this: the current start is cancelled
    private int abortableLeader;  // guarded by this: the create/start call in flight (0: none)

    RuntimeCalls(String runtime, Duration timeout, HostProcesses processes, Logger log) {
        this.runtime = runtime;
        this.timeout = timeout;
        this.processes = processes;
        this.log = log;
    }

    /** Cancels the create/start in flight, and any that follows until {@link #resetAbort}. */
    void abort() {
        int leader;
        synchronized (this) {
            aborted = true;
            leader = abortableLeader;
        }
        if (leader != 0) {
            log.warn("killing the runtime call: the supervisor is stopping", "pid", leader);
            processes.signalGroup(leader, Sig.KILL);
        }
    }

    /** A start attempt is over: the next one starts uncancelled. */
    synchronized void resetAbort() { aborted = false; }

    /**
     * Runs {@code runtime args...} and waits for it within the deadline. A create or start is
     * cancelled by {@link #abort}; a delete is only bounded by the deadline. After any outcome but
     * success, a held stderr has gone to our stderr.
     */
    Outcome run(Call call, String... args) {
        Outcome o = runHeld(call, args);
        if (o instanceof Outcome.Succeeded) return o;
        held.toStderr(); // the runtime failed: whatever it wrote is its own message
        return o;
    }

    private HostProcesses.HeldOutput held = NOT_HELD; // of the call in flight; runtime thread only

    private Outcome runHeld(Call call, String... args) {
        boolean abortable = call.abortable;
        String verb = verb(args);
        held = NOT_HELD;
        synchronized (this) {
            if (abortable && aborted) return new Outcome.Failed("cancelled: the supervisor is stopping");
        }
        List<String> argv = new ArrayList<>(args.length + 1);
        argv.add(runtime);
        argv.addAll(List.of(args));
        int pid;
        try {
            if (call.containerStdio) {
                HostProcesses.Spawned spawned = processes.spawnGroupHoldingStderr(argv);
                pid = spawned.pid();
                held = spawned.stderr();
            } else {
                pid = processes.spawnGroup(argv);
            }
        } catch (IOException e) {
            return new Outcome.Failed(e.getMessage());
        }
        CompletableFuture<ExitStatus> exit = processes.exitOf(pid);
        boolean cancelled;
        synchronized (this) {
            if (abortable) abortableLeader = pid;
            cancelled = abortable && aborted; // an abort between the check above and the spawn
        }
        try {
            if (cancelled) return kill(pid, exit, "cancelled: the supervisor is stopping");
            ExitStatus status = exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            synchronized (this) {
                if (abortable && aborted) return new Outcome.Failed("cancelled: the supervisor is stopping");
            }
            boolean zero = status instanceof ExitStatus.Exited(int code) && code == 0;
            return zero ? new Outcome.Succeeded(held) : new Outcome.Refused(status);
        } catch (TimeoutException e) {
            log.error("runtime call hung: killing its process group", "call", verb, "pid", pid, "timeout", GoDuration.format(timeout));
            return kill(pid, exit, "timed out after " + GoDuration.format(timeout) + " (killed)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return kill(pid, exit, "interrupted");
        } catch (ExecutionException e) {
            throw new IllegalStateException("exit futures never fail", e);
        } finally {
            synchronized (this) {
                if (abortable) abortableLeader = 0;
            }
        }
    }

    private Outcome kill(int leader, CompletableFuture<ExitStatus> exit, String why) {
        processes.signalGroup(leader, Sig.KILL);
        try {
            exit.get(REAP_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            log.warn("killed runtime call not reaped yet", "pid", leader);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new Outcome.Failed(why);
    }

    /** The runtime's subcommand in an argv: the first word that is not a global flag or its value. */
    static String verb(String... args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--log") || args[i].equals("--log-format") || args[i].equals("--root")) i++;
            else if (!args[i].startsWith("-")) return args[i];
        }
        return "?";
    }
}
