package kleinhirn.harpoon;

import static java.nio.charset.StandardCharsets.UTF_8;

import kleinhirn.fuzz.Fuzz;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** harpoon's agent.json and Go durations: BadConfig / IllegalArgumentException, nothing else. */
class AgentConfigFuzzTest {
    @Property
    void agentJson(@ForAll("agent") byte[] in) throws Exception {
        Fuzz.bounded("agent", in, 256, () -> {
            try {
                AgentConfigDecoder.decode(new String(in, UTF_8));
            } catch (AgentConfigDecoder.BadConfig expected) {
                // reported as harpoon reports it
            }
        });
    }

    @Property
    void goDurations(@ForAll("durations") byte[] in) throws Exception {
        Fuzz.bounded("durations", in, 64, () -> {
            try {
                GoDuration.parse(new String(in, UTF_8));
            } catch (IllegalArgumentException expected) {
                // time: invalid duration
            }
        });
    }

    @Provide Arbitrary<byte[]> agent() { return Fuzz.inputs("agent"); }
    @Provide Arbitrary<byte[]> durations() { return Fuzz.inputs("durations"); }
}
