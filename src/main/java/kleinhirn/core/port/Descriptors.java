package kleinhirn.core.port;

import java.util.Optional;

/**
 * Our own file descriptors against RLIMIT_NOFILE. Every acked worker holds one descriptor of ours
 * (its ack socket) for life, so a large pool under a low limit would take the last one and leave
 * the health server, the control socket and our own /proc reads unable to accept or open
 * anything: alive but deaf. A spawn therefore goes ahead only while a reserve stays free.
 */
public interface Descriptors {
    /** Why a spawn that needs {@code needed} descriptors must not happen now, or empty. */
    Optional<String> shortage(int needed, int reserve);
}
