package kleinhirn.app;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import kleinhirn.core.listen.ListenFds;

/**
 * What this supervisor was started with: its environment and the listen sockets meant for it.
 * {@code listenFds} are the sockets' fd numbers in this process: 3..3+n-1 when a binder exec'ed
 * us, wherever they were opened when {@code kleinhirn listen} continues in-process.
 */
record Started(Map<String, String> env, ListenFds listen, List<Integer> listenFds) {
    Started {
        env = Map.copyOf(env);
        listenFds = List.copyOf(listenFds);
    }

    /** As exec'ed: the sd_listen_fds(3) contract read from our environment. */
    static Started fromProcess(int self) {
        Map<String, String> env = System.getenv();
        ListenFds listen = ListenFds.of(env, self);
        List<Integer> fds = switch (listen) {
            case ListenFds.Passed p -> IntStream.range(3, 3 + p.count()).boxed().toList();
            case ListenFds.Absent a -> List.of();
            case ListenFds.Ignored i -> List.of();
        };
        return new Started(env, listen, fds);
    }
}
