package kleinhirn.core.harpoon;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import kleinhirn.core.codec.Json;

/**
 * The OCI runtime spec ({@code config.json}) for a harpoon container, mirroring what the original's
 * libcontainer config did (research §8): pid/mount/ipc/uts namespaces on the host network, uid/gid 1,
 * no capabilities, read-only root, the original's mounts and device whitelist, RLIMIT_NOFILE, a
 * memory limit (memory+swap twice that where the kernel accounts swap), a CFS quota for
 * {@code resources.cpu}, cgroup {@code harpoon/<id>}.
 */
public final class OciSpec {
    private OciSpec() {}

    /** @param swapAccounted whether memory+swap can be limited (v1 memsw files, or v2 swap) */
    public static String generate(AgentConfig c, String id, String hostname, List<String> args, boolean swapAccounted) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("ociVersion", "1.0.2");
        Map<String, Object> process = new LinkedHashMap<>();
        process.put("terminal", false);
        process.put("user", Map.of("uid", 1, "gid", 1));
        process.put("args", args);
        List<String> env = new ArrayList<>();
        c.env().forEach((k, v) -> env.add(k + "=" + v));
        process.put("env", env);
        process.put("cwd", c.cwd());
        Map<String, Object> caps = new LinkedHashMap<>();
        for (String set : List.of("bounding", "effective", "inheritable", "permitted", "ambient")) caps.put(set, List.of());
        process.put("capabilities", caps);
        process.put("rlimits", List.of(ordered("type", "RLIMIT_NOFILE", "hard", c.fdLimit(), "soft", c.fdLimit())));
        spec.put("process", process);
        spec.put("root", ordered("path", "rootfs", "readonly", true));
        spec.put("hostname", hostname);
        spec.put("mounts", mounts(c));
        Map<String, Object> linux = new LinkedHashMap<>();
        linux.put("cgroupsPath", "harpoon/" + id);
        linux.put("resources", resources(c, swapAccounted));
        linux.put("namespaces", List.of(Map.of("type", "pid"), Map.of("type", "mount"), Map.of("type", "ipc"), Map.of("type", "uts")));
        spec.put("linux", linux);
        return Json.write(spec);
    }

    private static List<Object> mounts(AgentConfig c) {
        List<Object> m = new ArrayList<>();
        m.add(mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")));
        m.add(mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
        m.add(mount("/dev/pts", "devpts", "devpts", List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")));
        m.add(mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
        m.add(mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev")));
        m.add(mount("/etc/resolv.conf", "bind", "/etc/resolv.conf", List.of("rbind", "ro", "rprivate")));
        c.volumes().forEach((inside, host) -> m.add(mount(inside, "bind", host, List.of("rbind", "rw", "rprivate"))));
        c.tmp().forEach((inside, size) -> m.add(mount(inside, "tmpfs", "tmpfs", List.of("nosuid", "nodev", "noexec"))));
        return m;
    }

    private static Map<String, Object> resources(AgentConfig c, boolean swapAccounted) {
        Map<String, Object> r = new LinkedHashMap<>();
        List<Object> devices = new ArrayList<>();
        devices.add(ordered("allow", false, "access", "rwm"));
        devices.add(device("c", null, null, "m"));
        devices.add(device("b", null, null, "m"));
        int[][] allowed = {{5, 1}, {4, 0}, {4, 1}, {136, -1}, {5, 2}, {10, 200}, {1, 3}, {1, 5}, {1, 7}, {5, 0}, {1, 9}, {1, 8}};
        for (int[] d : allowed) devices.add(device("c", d[0], d[1] < 0 ? null : d[1], "rwm"));
        r.put("devices", devices);
        if (c.memMb() > 0) {
            long limit = c.memMb() * 1024 * 1024;
            Map<String, Object> mem = new LinkedHashMap<>();
            mem.put("limit", limit);
            if (swapAccounted) mem.put("swap", 2 * limit);
            r.put("memory", mem);
        }
        if (c.cpu() > 0) {
            long period = 100_000;
            r.put("cpu", ordered("quota", Math.max(1000L, Math.round(c.cpu() * period)), "period", period));
        }
        return r;
    }

    private static Map<String, Object> device(String type, Integer major, Integer minor, String access) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("allow", true);
        d.put("type", type);
        if (major != null) d.put("major", major);
        if (minor != null) d.put("minor", minor);
        d.put("access", access);
        return d;
    }

    private static Map<String, Object> mount(String dest, String type, String source, List<String> options) {
        return ordered("destination", dest, "type", type, "source", source, "options", options);
    }

    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }
}
