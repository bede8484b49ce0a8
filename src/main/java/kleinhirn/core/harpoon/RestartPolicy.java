package kleinhirn.core.harpoon;

/** {@code restart} of agent.json; a missing key means {@link #NO}. */
public enum RestartPolicy {
    NO, ON_FAILURE, ALWAYS;

    /** Accepts exactly the original's spellings; anything else is an error at start. */
    public static RestartPolicy parse(String s) {
        return switch (s) {
            case "", "no" -> NO;
            case "on-failure" -> ON_FAILURE;
            case "always" -> ALWAYS;
            default -> throw new IllegalArgumentException("invalid restart policy \"" + s + "\"");
        };
    }
}
