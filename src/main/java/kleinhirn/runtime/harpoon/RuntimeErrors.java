package kleinhirn.runtime.harpoon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.codec.Json;

/**
 * Turns a failed runtime call into the state's {@code err}. The runtime's last error comes from
 * its JSON log ({@code --log-format json}). When the container's process could not be started,
 * {@code err} is that process's own error, as the original reported it (for example
 * {@code exec: "/bin/nonexistent": stat /bin/nonexistent: no such file or directory}), without
 * runc's wrapping; anything else is {@code <runtime> <call>: <message>}.
 */
final class RuntimeErrors {
    /** runc's wrapping of the container process's own failure (libcontainer's message). */
    static final String PROCESS_FAILED = "unable to start container process: ";

    private RuntimeErrors() {}

    static String of(String runtime, String verb, Path log, ExitStatus status) {
        String msg = lastError(log);
        if (msg == null) return runtime + " " + verb + ": " + status.describe();
        int at = msg.indexOf(PROCESS_FAILED);
        if (at >= 0) return msg.substring(at + PROCESS_FAILED.length());
        return runtime + " " + verb + ": " + msg;
    }

    /** The {@code msg} of the last {@code level=error} record, or the last non-JSON line. */
    static String lastError(Path log) {
        String msg = null;
        try {
            for (String line : Files.readAllLines(log)) {
                try {
                    Map<String, Object> rec = Json.parseObject(line);
                    if ("error".equals(rec.get("level")) && rec.get("msg") instanceof String m) msg = m;
                } catch (RuntimeException notJson) {
                    if (!line.isBlank()) msg = line.strip();
                }
            }
        } catch (IOException e) {
            // no log: the exit status has to do
        }
        return msg;
    }
}
