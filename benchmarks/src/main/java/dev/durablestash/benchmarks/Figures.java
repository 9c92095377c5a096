package dev.durablestash.benchmarks;

import java.util.Locale;

/** Prints figures as one line each, {@code name value unit}, the format benchmarks/run.sh collects. */
public final class Figures {

    private Figures() {
    }

    /**
     * @param name the figure's name (one word)
     * @param value its value
     * @param unit its unit (may contain spaces: everything after the value)
     */
    public static void print(String name, double value, String unit) {
        print(name, format(value), unit);
    }

    /**
     * @param name the figure's name (one word)
     * @param value its value, already formatted (one word)
     * @param unit its unit
     */
    public static void print(String name, String value, String unit) {
        System.out.println(name + " " + value + " " + unit);
        System.out.flush();
    }

    /** @return the value with three significant decimals at most, no grouping */
    public static String format(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        if (Math.abs(value) >= 100) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        if (Math.abs(value) >= 1) {
            return String.format(Locale.ROOT, "%.2f", value);
        }
        return String.format(Locale.ROOT, "%.3f", value);
    }

    /** Prints a line that is not a figure (run.sh passes it through), prefixed with {@code #}. */
    public static void note(String text) {
        System.out.println("# " + text);
        System.out.flush();
    }
}
