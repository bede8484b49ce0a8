package kleinhirn.fuzz;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import kleinhirn.core.codec.EinhornWire;
import kleinhirn.core.codec.Json;
import kleinhirn.core.codec.JsonException;
import kleinhirn.core.codec.SdNotify;
import kleinhirn.core.codec.Sse;
import kleinhirn.core.codec.SseException;
import kleinhirn.core.codec.Toml;
import kleinhirn.core.codec.TomlException;
import kleinhirn.core.config.ConfigReader;
import kleinhirn.core.config.Durations;
import kleinhirn.core.config.TestDisk;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The decoders of outside input in core: each throws nothing but its documented parse error,
 * returns in bounded time and allocates in proportion to its input (see {@link Fuzz}).
 */
class CodecFuzzTest {
    /** Config files: TOML, and what the reader makes of any document that parses. */
    @Property
    void toml(@ForAll("toml") byte[] in) throws Exception {
        Fuzz.bounded("toml", in, 256, () -> {
            Map<String, Object> doc;
            try {
                doc = Toml.parse(new String(in, UTF_8));
            } catch (TomlException expected) {
                return;
            }
            ConfigReader.read(Path.of("/nonexistent/fuzz.toml"), doc, TestDisk.NOTHING);
        });
    }

    /** Config files in JSON, the ack line's and the loader wire's syntax. */
    @Property
    void json(@ForAll("json") byte[] in) throws Exception {
        Fuzz.bounded("json", in, 256, () -> {
            Object doc;
            try {
                doc = Json.parse(new String(in, UTF_8));
            } catch (JsonException expected) {
                return;
            }
            if (doc instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked") Map<String, Object> obj = (Map<String, Object>) m;
                ConfigReader.read(Path.of("/nonexistent/fuzz.json"), obj, TestDisk.NOTHING);
            }
            Json.write(doc);
        });
    }

    /** einhorn's command socket: one line per message, JSON or Ruby's YAML.dump. */
    @Property
    void einhorn(@ForAll("einhorn") byte[] in) throws Exception {
        Fuzz.bounded("einhorn", in, Fuzz.PER_LINE, () -> {
            for (String line : new String(in, UTF_8).split("\n", -1)) {
                if (line.isBlank()) continue; // as EinhornSocket reads
                EinhornWire.Request r;
                try {
                    r = EinhornWire.parse(line);
                } catch (IllegalArgumentException expected) {
                    continue;
                }
                r.command();
                r.pid();
                EinhornWire.reply(r, "ok");
            }
        });
    }

    /** sd_notify datagrams: never throws, junk is a value. */
    @Property
    void sdNotify(@ForAll("sdnotify") byte[] in) throws Exception {
        Fuzz.bounded("sdnotify", in, 64, () -> {
            SdNotify.Message m = SdNotify.parse(in, in.length);
            m.actionable();
        });
    }

    /** SSE commands on a control socket, in chunks cut at random places. */
    @Property
    void sse(@ForAll("sse") byte[] in, @ForAll long cuts) throws Exception {
        Fuzz.bounded("sse", in, Fuzz.PER_LINE, () -> {
            Sse.Decoder d = new Sse.Decoder();
            Random r = new Random(cuts);
            try {
                for (int off = 0; off < in.length; ) {
                    int n = Math.min(in.length - off, 1 + r.nextInt(64));
                    d.feed(in, off, n);
                    off += n;
                }
            } catch (SseException expected) {
                // the client is closed
            }
        });
    }

    /** humantime durations of the config: null for anything else, never a throw. */
    @Property
    void durations(@ForAll("durations") byte[] in) throws Exception {
        Fuzz.bounded("durations", in, 64, () -> {
            var d = Durations.parse(new String(in, UTF_8));
            if (d != null) Durations.format(d);
        });
    }

    @Provide Arbitrary<byte[]> toml() { return Fuzz.inputs("toml"); }
    @Provide Arbitrary<byte[]> json() { return Fuzz.inputs("json"); }
    @Provide Arbitrary<byte[]> einhorn() { return Fuzz.inputs("einhorn"); }
    @Provide Arbitrary<byte[]> sdnotify() { return Fuzz.inputs("sdnotify"); }
    @Provide Arbitrary<byte[]> sse() { return Fuzz.inputs("sse"); }
    @Provide Arbitrary<byte[]> durations() { return Fuzz.inputs("durations"); }
}
