package kleinhirn.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import kleinhirn.core.codec.ExpositionParser;
import kleinhirn.core.codec.Json;
import kleinhirn.core.codec.Sse;

/** Clients of kleinhirn's observability surfaces for end-to-end tests: raw HTTP and the control socket. */
final class Observe {
    private Observe() {}

    record Http(int status, String contentType, String body) {}

    /** One request on its own connection with {@code Connection: close}: nothing stays open afterwards. */
    static Http get(int port, String path) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").getBytes(UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            String all = new String(in.readAllBytes(), UTF_8);
            int split = all.indexOf("\r\n\r\n");
            String head = all.substring(0, split);
            String type = "";
            for (String h : head.split("\r\n")) {
                if (h.toLowerCase(java.util.Locale.ROOT).startsWith("content-type:")) type = h.substring(13).trim();
            }
            return new Http(Integer.parseInt(head.split(" ")[1]), type, all.substring(split + 4));
        }
    }

    static Map<String, Object> status(int port) throws IOException {
        return Json.parseObject(get(port, "/status").body());
    }

    static Map<String, ExpositionParser.Family> metrics(int port) throws IOException {
        return ExpositionParser.parse(get(port, "/metrics").body());
    }

    /** The value of the sample named {@code name} whose labels include {@code labels} (name, value pairs). */
    static double value(Map<String, ExpositionParser.Family> m, String name, String... labels) {
        outer:
        for (ExpositionParser.Sample s : m.values().stream().flatMap(f -> f.samples().stream()).toList()) {
            if (!s.name().equals(name)) continue;
            for (int i = 0; i < labels.length; i += 2) {
                if (!labels[i + 1].equals(s.labels().get(labels[i]))) continue outer;
            }
            return s.value();
        }
        throw new AssertionError("no sample " + name + " " + List.of(labels));
    }

    /** Open fds of a process. */
    static int fds(long pid) throws IOException {
        try (var l = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return (int) l.count();
        }
    }

    /** A control socket client that reads every event on a virtual thread. */
    static final class Control implements AutoCloseable {
        final SocketChannel ch;
        final List<String> states = new CopyOnWriteArrayList<>();
        volatile boolean eof;

        Control(Path sock) throws IOException {
            ch = SocketChannel.open(UnixDomainSocketAddress.of(sock));
            Thread.ofVirtual().start(this::read);
        }

        private void read() {
            Sse.Decoder d = new Sse.Decoder();
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            try {
                while (true) {
                    buf.clear();
                    int n = ch.read(buf);
                    if (n < 0) break;
                    for (Sse.Event e : d.feed(buf.array(), 0, n)) if (e.type().equals("state")) states.add(e.data());
                }
            } catch (Exception e) {
                // closed by us or by the supervisor
            }
            eof = true;
        }

        String latest() {
            return states.isEmpty() ? null : states.getLast();
        }

        Map<String, Object> latestParsed() {
            String l = latest();
            return l == null ? Map.of() : Json.parseObject(l);
        }

        void send(String event) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(("event: " + event + "\n\n").getBytes(UTF_8));
            while (b.hasRemaining()) ch.write(b);
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
