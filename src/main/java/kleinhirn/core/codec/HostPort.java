package kleinhirn.core.codec;

import java.net.InetSocketAddress;

/**
 * An address as people and the config write it: {@code 127.0.0.1:3000}, {@code [::1]:3000}.
 * {@link InetSocketAddress#toString()} gives {@code /127.0.0.1:3000}, which no config accepts.
 */
public final class HostPort {
    private HostPort() {}

    public static String format(InetSocketAddress a) {
        String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
