package kleinhirn.runtime.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The health, status and metrics endpoints on the JDK's HTTP server. Handlers only read
 * published snapshots, so probes can never slow supervision. Each exchange runs on a virtual
 * thread (a slow client blocks only itself); the JDK server's own limits bound request time,
 * idle connections and header size against slowloris and garbage.
 */
public final class HttpEndpoints implements AutoCloseable {
    static {
        // Read once when the JDK server class initialises: set before first use.
        setDefault("sun.net.httpserver.maxReqTime", "10");      // seconds to send a full request
        setDefault("sun.net.httpserver.maxRspTime", "10");      // seconds to take the response
        setDefault("sun.net.httpserver.idleInterval", "30");    // seconds an idle keep-alive lives
        setDefault("sun.net.httpserver.maxIdleConnections", "64");
        setDefault("sun.net.httpserver.maxReqHeaders", "64");
        setDefault("sun.net.httpserver.maxReqHeaderSize", "16384");
        setDefault("jdk.httpserver.maxConnections", "512");
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final AtomicInteger open = new AtomicInteger();

    private HttpEndpoints(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds at once (a bind failure throws before anything is spawned) and starts serving. */
    public static HttpEndpoints start(InetSocketAddress addr, Map<String, Supplier<Response>> routes) throws IOException {
        HttpServer server = HttpServer.create(addr, 128);
        ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("http-", 0).factory());
        HttpEndpoints h = new HttpEndpoints(server, executor);
        server.createContext("/", ex -> h.serve(ex, routes));
        server.setExecutor(executor);
        server.start();
        return h;
    }

    /** Exchanges being handled right now (a gauge for /metrics). */
    public int inFlight() {
        return open.get();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private void serve(HttpExchange ex, Map<String, Supplier<Response>> routes) throws IOException {
        open.incrementAndGet();
        try (ex) {
            drain(ex.getRequestBody());
            String method = ex.getRequestMethod();
            Supplier<Response> route = routes.get(ex.getRequestURI().getPath());
            Response r;
            if (route == null) r = Response.text(404, "not found\n");
            else if (!method.equals("GET") && !method.equals("HEAD")) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                r = Response.text(405, "method not allowed\n");
            } else r = route.get();
            byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", r.contentType());
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            if (method.equals("HEAD")) {
                ex.sendResponseHeaders(r.status(), -1);
            } else {
                ex.sendResponseHeaders(r.status(), body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
        } finally {
            open.decrementAndGet();
        }
    }

    /** Probes send no body; read at most a little of one so the connection can be reused. */
    private static void drain(InputStream in) throws IOException {
        byte[] buf = new byte[1024];
        int total = 0;
        int n;
        while (total < 64 * 1024 && (n = in.read(buf)) > 0) total += n;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
