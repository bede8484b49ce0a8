package kleinhirn.core.harpoon;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentConfigDecoderTest {
    static final String REALISTIC = "{\"product\":\"harpoon\",\"environment\":\"dev\",\"job\":\"simpleweb\",\"health_checks\":null,\"artifact_url\":\"http://ent.int.s-cloud.net/iss/simpleweb.tar.gz\",\"ports\":{\"HTTP\":31000},\"env\":{\"MSG\":\"hello\",\"PORT_HTTP\":\"31000\"},\"command\":{\"working_dir\":\"/\",\"exec\":[\"./simpleweb\",\"-listen=31000\",\"-message=hello\"]},\"resources\":{\"mem\":64,\"cpu\":0.1,\"fd\":32768},\"storage\":{\"tmp\":{\"/tmp\":-1},\"volumes\":{\"/metrics\":\"/data/prometheus\"}},\"grace\":{\"startup\":\"3s\",\"shutdown\":\"3s\"},\"restart\":\"on-failure\"}\n";

    @Test
    void decodesTheRealisticExample() throws Exception {
        AgentConfig c = AgentConfigDecoder.decode(REALISTIC);
        assertEquals(Map.of("MSG", "hello", "PORT_HTTP", "31000"), c.env());
        assertEquals("/", c.cwd());
        assertEquals(List.of("./simpleweb", "-listen=31000", "-message=hello"), c.exec());
        assertEquals(64, c.memMb());
        assertEquals(0.1, c.cpu());
        assertEquals(32768, c.fdLimit());
        assertEquals(Map.of("/tmp", -1L), c.tmp());
        assertEquals(Map.of("/metrics", "/data/prometheus"), c.volumes());
        assertEquals(Duration.ofSeconds(3), c.graceShutdown());
        assertEquals(RestartPolicy.ON_FAILURE, c.restart());
    }

    @Test
    void keysAreCaseInsensitiveLastWinsUnknownIgnored() throws Exception {
        AgentConfig c = AgentConfigDecoder.decode("{\"RESTART\":\"no\",\"Restart\":\"always\",\"Resources\":{\"MEM\":16},\"whatever\":[1,{}]}");
        assertEquals(RestartPolicy.ALWAYS, c.restart());
        assertEquals(16, c.memMb());
    }

    @Test
    void missingAndNullAreZeroValues() throws Exception {
        AgentConfig c = AgentConfigDecoder.decode("{\"env\":null,\"ports\":null,\"storage\":{\"tmp\":null,\"volumes\":null},\"command\":{\"exec\":null},\"resources\":{\"mem\":null}}");
        assertEquals(Map.of(), c.env());
        assertEquals(List.of(), c.exec());
        assertEquals(0, c.memMb());
        assertEquals(AgentConfig.DEFAULT_FDS, c.fdLimit());
        assertEquals("/", c.cwd());
        assertEquals(RestartPolicy.NO, c.restart());
        assertEquals(Duration.ZERO, c.graceStartup());
    }

    @Test
    void typeMismatchesAreErrors() {
        for (String bad : List.of("{\"resources\":{\"mem\":\"64\"}}", "{\"resources\":{\"mem\":-1}}", "{\"resources\":{\"mem\":1.5}}",
                "{\"env\":{\"A\":1}}", "{\"ports\":{\"HTTP\":70000}}", "{\"command\":{\"exec\":\"sh\"}}",
                "{\"grace\":{\"startup\":null}}", "{\"grace\":{\"startup\":3}}", "{\"grace\":{\"shutdown\":\"3 s\"}}",
                "{\"restart\":true}", "{\"restart\":\"sometimes\"}", "[1]", "{", "{\"health_checks\":[{\"port\":1}]}")) {
            assertThrows(AgentConfigDecoder.BadConfig.class, () -> AgentConfigDecoder.decode(bad), bad);
        }
    }

    @Test
    void goStyleMessage() {
        var e = assertThrows(AgentConfigDecoder.BadConfig.class, () -> AgentConfigDecoder.decode("{\"resources\":{\"mem\":\"64\"}}"));
        assertEquals("json: cannot unmarshal string into Go struct field ContainerConfig.resources.mem of type uint64", e.getMessage());
    }

    @Test
    void goDurations() {
        assertEquals(Duration.ofMillis(250), GoDuration.parse("250ms"));
        assertEquals(Duration.ofMillis(3_723_500), GoDuration.parse("1h2m3.5s"));
        assertEquals(Duration.ofMillis(-1500), GoDuration.parse("-1.5s"));
        assertEquals(Duration.ZERO, GoDuration.parse("0"));
        assertEquals(Duration.ofNanos(1500), GoDuration.parse("1.5us"));
        for (String bad : List.of("", "3", "s", "1x", "1..2s", "-")) assertThrows(IllegalArgumentException.class, () -> GoDuration.parse(bad), bad);
    }
}
