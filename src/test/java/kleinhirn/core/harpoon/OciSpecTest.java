package kleinhirn.core.harpoon;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import kleinhirn.core.codec.Json;
import org.junit.jupiter.api.Test;

class OciSpecTest {
    @SuppressWarnings("unchecked")
    private static <T> T at(Object o, Object... path) {
        for (Object p : path) o = p instanceof Integer i ? ((List<Object>) o).get(i) : ((Map<String, Object>) o).get(p);
        return (T) o;
    }

    @Test
    void keyFields() throws Exception {
        AgentConfig c = AgentConfigDecoder.decode(AgentConfigDecoderTest.REALISTIC);
        Map<String, Object> s = Json.parseObject(OciSpec.generate(c, "web-1", "box", List.of("./simpleweb", "-x"), true));
        assertEquals("box", s.get("hostname"));
        assertEquals(Map.of("path", "rootfs", "readonly", true), s.get("root"));
        assertEquals(Map.of("uid", 1L, "gid", 1L), at(s, "process", "user"));
        assertEquals(List.of("./simpleweb", "-x"), at(s, "process", "args"));
        assertEquals(List.of("MSG=hello", "PORT_HTTP=31000"), at(s, "process", "env"));
        assertEquals("/", at(s, "process", "cwd"));
        assertEquals(List.of(), at(s, "process", "capabilities", "bounding"));
        assertEquals(Map.of("type", "RLIMIT_NOFILE", "hard", 32768L, "soft", 32768L), at(s, "process", "rlimits", 0));
        assertEquals("harpoon/web-1", at(s, "linux", "cgroupsPath"));
        assertEquals(67108864L, (Long) at(s, "linux", "resources", "memory", "limit"));
        assertEquals(2 * 67108864L, (Long) at(s, "linux", "resources", "memory", "swap"));
        assertEquals(10000L, (Long) at(s, "linux", "resources", "cpu", "quota"));
        List<Object> ns = at(s, "linux", "namespaces");
        assertEquals(List.of("pid", "mount", "ipc", "uts"), ns.stream().map(n -> ((Map<?, ?>) n).get("type")).toList());
        List<Map<String, Object>> mounts = at(s, "mounts");
        assertEquals(List.of("/proc", "/dev", "/dev/pts", "/dev/shm", "/sys", "/etc/resolv.conf", "/metrics", "/tmp"),
                mounts.stream().map(m -> m.get("destination")).toList());
        assertEquals(List.of("rbind", "ro", "rprivate"), mounts.get(5).get("options"));
        assertEquals("/data/prometheus", mounts.get(6).get("source"));
        assertEquals("tmpfs", mounts.get(7).get("type"));
    }

    @Test
    void noLimitsWhenZeroAndNoSwapWithoutAccounting() throws Exception {
        AgentConfig c = AgentConfigDecoder.decode("{\"resources\":{\"mem\":16}}");
        Map<String, Object> s = Json.parseObject(OciSpec.generate(c, "x", "h", List.of("true"), false));
        assertEquals(Map.of("limit", 16777216L), at(s, "linux", "resources", "memory"));
        assertNull(at(s, "linux", "resources", "cpu"));
        assertEquals(4096L, (Long) at(s, "process", "rlimits", 0, "soft"));
        Map<String, Object> z = Json.parseObject(OciSpec.generate(AgentConfigDecoder.decode("{}"), "x", "h", List.of("true"), true));
        assertNull(at(z, "linux", "resources", "memory"));
    }
}
