package kleinhirn.core.config;

import java.util.function.Consumer;

/**
 * {@code health_check.min_ready}: how many ready workers readiness needs. An integer from 1 to
 * {@code count}, or a percentage of {@code count} as a string ({@code "75%"}, 1 to 100), rounded
 * up: "at least 75% ready" never admits fewer than 75% (75% of 3 is 3, 50% of 3 is 2). Zero is
 * refused (readiness would say ready with no worker at all), and so is anything above
 * {@code count} (readiness could never be 200).
 */
final class MinReady {
    private MinReady() {}

    /** The resolved count; on a bad value reports why and returns {@code count}. */
    static int resolve(Object raw, int count, Consumer<String> error) {
        switch (raw) {
            case null -> {
                return count;
            }
            case Long n -> {
                if (n < 1 || n > count) {
                    error.accept("must be from 1 to worker.count (" + count + "), or a percentage such as \"75%\"; not " + n);
                    return count;
                }
                return n.intValue();
            }
            case String s when s.matches("[0-9]{1,3}%") -> {
                int pct = Integer.parseInt(s.substring(0, s.length() - 1));
                if (pct < 1 || pct > 100) {
                    error.accept("a percentage must be from 1% to 100%, not \"" + s + "\"");
                    return count;
                }
                return (int) ((count * (long) pct + 99) / 100); // ceil
            }
            default -> {
                error.accept("must be an integer or a percentage string such as \"75%\", not "
                        + (raw instanceof String s ? "\"" + s + "\"" : String.valueOf(raw)));
                return count;
            }
        }
    }
}
