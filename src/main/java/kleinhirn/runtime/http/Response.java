package kleinhirn.runtime.http;

/** A complete, small HTTP response computed from a snapshot. */
public record Response(int status, String contentType, String body) {
    public static final String TEXT = "text/plain; charset=utf-8";

    public static Response text(int status, String body) {
        return new Response(status, TEXT, body);
    }
}
