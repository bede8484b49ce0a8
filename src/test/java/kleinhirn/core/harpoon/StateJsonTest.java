package kleinhirn.core.harpoon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Golden lines from research §4, byte for byte ({...} expanded to the zero metrics). */
class StateJsonTest {
    private static final String ZERO = "{\"cpu_time\":0,\"memory_usage\":0,\"memory_limit\":0}";

    @Test
    void upAndRestartingWithMetricsAndEmptyExitStatus() {
        assertEquals("{\"up\":true,\"restarting\":true,\"container_exit_status\":{},\"restarts\":0,\"ooms\":0,\"container_metrics\":{\"cpu_time\":6945103,\"memory_usage\":294912,\"memory_limit\":67108864}}",
                StateJson.encode(new ContainerState(true, true, null, ExitReport.NONE, 0, 0, new Metrics(6945103, 294912, 67108864))));
    }

    @Test
    void exitedWithCode() {
        assertEquals("{\"up\":false,\"restarting\":false,\"container_exit_status\":{\"exited\":true,\"exit_status\":3},\"restarts\":0,\"ooms\":0,\"container_metrics\":" + ZERO + "}",
                StateJson.encode(new ContainerState(false, false, null, new ExitReport.Exited(3), 0, 0, Metrics.ZERO)));
    }

    @Test
    void exitStatusZeroIsOmitted() {
        assertEquals("{\"up\":false,\"restarting\":false,\"container_exit_status\":{\"exited\":true},\"restarts\":0,\"ooms\":0,\"container_metrics\":" + ZERO + "}",
                StateJson.encode(new ContainerState(false, false, null, new ExitReport.Exited(0), 0, 0, Metrics.ZERO)));
    }

    @Test
    void oomedHasNoSignal() {
        assertEquals("{\"up\":false,\"restarting\":true,\"container_exit_status\":{\"oomed\":true},\"restarts\":0,\"ooms\":1,\"container_metrics\":" + ZERO + "}",
                StateJson.encode(new ContainerState(false, true, null, new ExitReport.Oomed(), 0, 1, Metrics.ZERO)));
    }

    @Test
    void signaled() {
        assertEquals("{\"up\":false,\"restarting\":false,\"container_exit_status\":{\"signaled\":true,\"signal\":9},\"restarts\":2,\"ooms\":0,\"container_metrics\":" + ZERO + "}",
                StateJson.encode(new ContainerState(false, false, null, new ExitReport.Signaled(9), 2, 0, Metrics.ZERO)));
    }

    @Test
    void errComesAfterRestartingAndEmptyErrIsOmitted() {
        assertEquals("{\"up\":false,\"restarting\":false,\"err\":\"open ./agent.json: no such file or directory\",\"container_exit_status\":{},\"restarts\":0,\"ooms\":0,\"container_metrics\":{\"cpu_time\":0,\"memory_usage\":0,\"memory_limit\":0}}",
                StateJson.encode(new ContainerState(false, false, "open ./agent.json: no such file or directory", ExitReport.NONE, 0, 0, Metrics.ZERO)));
        assertEquals(StateJson.encode(new ContainerState(false, false, null, ExitReport.NONE, 0, 0, Metrics.ZERO)),
                StateJson.encode(new ContainerState(false, false, "", ExitReport.NONE, 0, 0, Metrics.ZERO)));
    }

    @Test
    void goEscaping() {
        assertEquals("{\"up\":false,\"restarting\":false,\"err\":\"exec: \\\"a\\u003cb\\u003e\\u0026c\\\" \\\\ \\n\\t\\u0001\\u2028 \\ufffd é\",\"container_exit_status\":{},\"restarts\":0,\"ooms\":0,\"container_metrics\":" + ZERO + "}",
                StateJson.encode(new ContainerState(false, false, "exec: \"a<b>&c\" \\ \n\t\u0001\u2028 \ud800 é", ExitReport.NONE, 0, 0, Metrics.ZERO)));
    }
}
