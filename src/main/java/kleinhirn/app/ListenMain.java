package kleinhirn.app;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import kleinhirn.core.listen.ListenAddress;
import kleinhirn.core.listen.ListenFds;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.linux.Exec;
import kleinhirn.linux.Libc;
import kleinhirn.linux.ListenSockets;
import kleinhirn.linux.ProgramPath;

/**
 * {@code kleinhirn listen ADDR... -- COMMAND...}: the socket-binding step of systemd socket
 * activation (what systemfd does), for containers. Binds every address, then execs COMMAND in
 * this process (same pid) with the sockets at fds 3, 4, ... and LISTEN_FDS, LISTEN_PID (our
 * pid) and LISTEN_FDNAMES set. When COMMAND is this kleinhirn (its launcher, by path or on PATH),
 * the supervisor runs in this JVM instead of paying a second JVM start; nothing else differs.
 * Exit codes before the exec: 2 usage or bad address, 1 an address cannot be bound, 127 no such
 * command, 126 the exec failed.
 */
final class ListenMain {
    private ListenMain() {}

    static int run(String[] args, PrintStream out, PrintStream err) {
        int dash = Arrays.asList(args).indexOf("--");
        if (dash < 0) return Main.usage(err, "listen: '--' and a command must follow the addresses");
        List<String> texts = Arrays.asList(args).subList(1, dash);
        List<String> command = Arrays.asList(args).subList(dash + 1, args.length);
        if (texts.isEmpty()) return Main.usage(err, "listen: no address before '--'");
        if (command.isEmpty()) return Main.usage(err, "listen: no command after '--'");

        List<ListenAddress> addresses = new ArrayList<>();
        // By identity: record equality would bootstrap ObjectMethods, ~10 ms of a cold start.
        Map<ListenAddress.Tcp, InetAddress> hosts = new IdentityHashMap<>();
        for (String text : texts) {
            try {
                ListenAddress a = ListenAddress.parse(text);
                if (a instanceof ListenAddress.Tcp tcp) hosts.put(tcp, InetAddress.getByName(tcp.host()));
                addresses.add(a);
            } catch (ListenAddress.Invalid e) {
                err.println("kleinhirn listen: " + e.getMessage());
                return 2;
            } catch (UnknownHostException e) {
                err.println("kleinhirn listen: bad address '" + text + "': unknown host");
                return 2;
            }
        }
        Optional<Path> program = ProgramPath.find(command.getFirst(), System.getenv("PATH"));
        if (program.isEmpty()) {
            err.println("kleinhirn listen: " + command.getFirst() + ": command not found");
            return 127;
        }

        List<Integer> fds = new ArrayList<>();
        int backlog = ListenSockets.somaxconn();
        for (ListenAddress a : addresses) {
            try {
                fds.add(switch (a) {
                    case ListenAddress.Tcp t -> ListenSockets.tcp(hosts.get(t), t.port(), t.backlog().orElse(backlog));
                    case ListenAddress.Unix u -> ListenSockets.unix(u.path(), u.mode().orElse(-1), u.backlog().orElse(backlog));
                });
            } catch (ErrnoException | IOException | RuntimeException e) {
                err.println("kleinhirn listen: cannot listen on " + a.text() + ": " + e.getMessage());
                release(addresses, fds);
                return 1;
            }
        }

        int self = Libc.getpid();
        StringJoiner names = new StringJoiner(":");
        for (ListenAddress a : addresses) names.add(a.name());
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        env.keySet().removeIf(k -> k.startsWith("LISTEN_"));
        env.put("LISTEN_FDS", Integer.toString(fds.size()));
        env.put("LISTEN_PID", Integer.toString(self));
        env.put("LISTEN_FDNAMES", names.toString());

        if (isThisKleinhirn(program.get())) {
            // Same pid, same JVM flags: an exec would only add a JVM start. The sockets stay
            // close-on-exec where they are; the spawner places them at 3.. in every worker.
            String[] rest = command.subList(1, command.size()).toArray(String[]::new);
            Started started = new Started(env, new ListenFds.Passed(fds.size(), names.toString()), fds);
            return Main.run(rest, out, err, () -> started);
        }
        List<String> envp = new ArrayList<>();
        env.forEach((k, v) -> envp.add(k + "=" + v));
        out.flush();
        err.flush();
        ErrnoException failed = Exec.replaceWith(program.get().toString(), command, envp, fds);
        // Only if the exec failed: fds from 3 on may no longer be the JVM's; say why and halt.
        err.println("kleinhirn listen: cannot run " + command.getFirst() + ": " + failed.getMessage());
        err.flush();
        Runtime.getRuntime().halt(126);
        return 126;
    }

    private static boolean isThisKleinhirn(Path program) {
        try {
            return Files.isSameFile(program, Home.path().resolve("bin/kleinhirn"));
        } catch (IOException e) {
            return false;
        }
    }

    /** After a failed bind: closes what was bound and removes the socket files we made. */
    private static void release(List<ListenAddress> addresses, List<Integer> fds) {
        for (int i = 0; i < fds.size(); i++) {
            Libc.closeQuietly(fds.get(i));
            if (addresses.get(i) instanceof ListenAddress.Unix u && !u.path().startsWith("@")) {
                try {
                    Files.deleteIfExists(Path.of(u.path()));
                } catch (IOException ignored) {
                    // best effort; the bind error is what gets reported
                }
            }
        }
    }
}
