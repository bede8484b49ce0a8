package kleinhirn.core.port;

/** Sends one sd_notify datagram to {@code address} ("@name" or a path) without blocking. */
@FunctionalInterface
public interface Notifier {
    void send(String address, String text) throws ErrnoException;
}
