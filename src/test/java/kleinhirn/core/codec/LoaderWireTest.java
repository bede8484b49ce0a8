package kleinhirn.core.codec;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.codec.LoaderMessage.*;
import org.junit.jupiter.api.Test;

/**
 * The loader wire against its golden lines, which the gem's minitest checks too
 * (loaders/ruby/test/wire_test.rb): each line is what both sides write for the message named,
 * and what we decode it to; each junk line is refused with the reason given.
 */
class LoaderWireTest {
    static final Path FIXTURES = Path.of(System.getProperty("kleinhirn.home", "."), "loaders/ruby/test/fixtures/wire.jsonl");

    /** What each named golden line means to us. */
    static final Map<String, LoaderMessage> MEANING = Map.ofEntries(
            Map.entry("loading", new Loading("config/boot.rb")),
            Map.entry("ready", new Ready()),
            Map.entry("launched", new Launched("0b9f6a2c-6d1e-4c55-9a57-0f2e1c3d4b5a", 4242)),
            Map.entry("failed_duplicate", new Failed("w-1", "duplicate ID")),
            Map.entry("failed_fork", new Failed("w-1", "fork failed")),
            Map.entry("exited_code", new Exited("w-1", 4242, new ExitStatus.Exited(3))),
            Map.entry("exited_signal", new Exited("w-1", 4242, new ExitStatus.Signaled(9, false))),
            Map.entry("spare", new Spare("w-2")),
            Map.entry("ack", new Ack("w-1")),
            Map.entry("log_info", new Relayed(Relayed.Level.INFO, "worker started", ordered("pid", 12L, "title", "web \"eu\"\n"))),
            Map.entry("log_debug", new Relayed(Relayed.Level.DEBUG, "forking", Map.of())),
            Map.entry("error", new CommandError("in command processing", "unknown op \"x\"")),
            Map.entry("reforked", new Reforked("0b9f6a2c-6d1e-4c55-9a57-0f2e1c3d4b5a", 4343)),
            Map.entry("spawn", new Spawn("w-1")));

    static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    static List<Map<String, Object>> fixtures() throws IOException {
        return Files.readAllLines(FIXTURES).stream().filter(l -> !l.isBlank()).map(Json::parseObject).toList();
    }

    @Test
    void everyGoldenLineIsWhatWeWriteAndReadForItsMessage() throws IOException {
        Set<String> seen = new java.util.HashSet<>();
        for (Map<String, Object> f : fixtures()) {
            if (Boolean.TRUE.equals(f.get("junk"))) continue;
            String name = (String) f.get("name"), line = (String) f.get("line");
            LoaderMessage meaning = MEANING.get(name);
            assertNotNull(meaning, "no meaning for golden line " + name);
            seen.add(name);
            assertEquals(line, LoaderWire.encode(meaning), name);
            LoaderMessage decoded = switch (meaning) {
                case Request r -> LoaderWire.decodeRequest(line);
                case Report r -> LoaderWire.decodeReport(line);
            };
            assertEquals(meaning, decoded, name);
        }
        assertEquals(MEANING.keySet(), seen, "every message has a golden line");
    }

    @Test
    void junkIsRefusedSayingWhy() throws IOException {
        int n = 0;
        for (Map<String, Object> f : fixtures()) {
            if (!Boolean.TRUE.equals(f.get("junk"))) continue;
            var e = assertThrows(IllegalArgumentException.class, () -> LoaderWire.decodeReport((String) f.get("line")),
                    (String) f.get("name"));
            assertEquals(f.get("reason"), e.getMessage(), (String) f.get("name"));
            n++;
        }
        assertTrue(n >= 5, "the fixtures hold junk lines");
    }

    @Test
    void aRelayedLineKeepsAtMostMaxFields() {
        StringBuilder b = new StringBuilder("{\"action\":\"log\",\"msg\":\"m\"");
        for (int i = 0; i < 100; i++) b.append(",\"k").append(i).append("\":").append(i);
        Relayed r = (Relayed) LoaderWire.decodeReport(b.append('}').toString());
        assertEquals(LoaderWire.MAX_FIELDS, r.fields().size());
        assertEquals(0L, r.fields().get("k0"), "numbers keep their type");
    }

    @Test
    void aRequestOtherThanSpawnIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> LoaderWire.decodeRequest("{\"op\":\"barrier\"}"));
        assertEquals("unknown op \"barrier\"", e.getMessage());
    }
}
