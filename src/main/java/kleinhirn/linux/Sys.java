package kleinhirn.linux;

import java.util.Locale;

/**
 * Linux system call numbers for the calls we make through {@code syscall(2)}. One variadic
 * {@code long syscall(long, ...)} handle serves them all with a single FFM signature: each
 * distinct signature costs 5-10 ms of run-time class spinning at startup (not stored by the
 * JDK 25 AOT cache), so a dozen libc wrappers cost ~100 ms before the first spawn, and one
 * handle a few. The numbers are per architecture; x86_64 and aarch64 are supported.
 */
enum Sys {
    READ(0, 63), WRITE(1, 64), CLOSE(3, 57), RT_SIGPROCMASK(14, 135), PIPE2(293, 59), GETPID(39, 172), SOCKET(41, 198), SOCKETPAIR(53, 199),
    CONNECT(42, 203), SENDTO(44, 206), RECVMSG(47, 212), SHUTDOWN(48, 210), BIND(49, 200), LISTEN(50, 201),
    SETSOCKOPT(54, 208), GETRANDOM(318, 278), EXECVE(59, 221), WAIT4(61, 260), KILL(62, 129), FCNTL(72, 25), PRCTL(157, 167),
    DUP3(292, 24), PRLIMIT64(302, 261), CLOSE_RANGE(436, 436);

    private static final boolean X86_64;

    static {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        X86_64 = arch.equals("amd64") || arch.equals("x86_64");
        if (!X86_64 && !arch.equals("aarch64")) {
            throw new UnsupportedOperationException("kleinhirn runs on x86_64 and aarch64 Linux, not " + arch);
        }
    }

    private final long x86_64, aarch64;

    Sys(long x86_64, long aarch64) {
        this.x86_64 = x86_64;
        this.aarch64 = aarch64;
    }

    long nr() {
        return X86_64 ? x86_64 : aarch64;
    }
}
