package org.jvmcompress.distill.loss;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jvmcompress.core.CompressionException;

/**
 * A method's name with its own options, {@code NAME} or {@code NAME[KEY=VALUE,...]}, as losses and knowledge kinds
 * take them on the command line and in configs (e.g. {@code kd-adv[weight=0.1,hidden=64]}): the name stays the
 * registry key, the options travel with it through DL4J's JSON configuration of the loss.
 */
public record Configured(String name, Map<String, String> options) {
    public Configured {
        options = Map.copyOf(options);
    }

    public static Configured parse(String spec) {
        int open = spec.indexOf('[');
        if (open < 0) {
            return new Configured(spec, Map.of());
        }
        if (!spec.endsWith("]") || open == 0) {
            throw new CompressionException("'" + spec + "': options go as NAME[KEY=VALUE,...]");
        }
        Map<String, String> opts = new LinkedHashMap<>();
        String body = spec.substring(open + 1, spec.length() - 1).trim();
        for (String kv : body.isEmpty() ? new String[0] : body.split(",")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new CompressionException("'" + spec + "': an option must be KEY=VALUE, got '" + kv + "'");
            }
            if (opts.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim()) != null) {
                throw new CompressionException("'" + spec + "': option " + kv.substring(0, eq).trim() + " given twice");
            }
        }
        return new Configured(spec.substring(0, open), opts);
    }

    /** Fails naming the options given that are not among {@code known} (none: the method takes no options). */
    public Configured allow(List<String> known) {
        List<String> unknown = options.keySet().stream().filter(k -> !known.contains(k)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw new CompressionException(name + (known.isEmpty() ? " takes no options" : " has no option "
                    + String.join(", ", unknown) + "; its options: " + String.join(", ", known)) + " (given "
                    + String.join(", ", unknown) + ")");
        }
        return this;
    }

    /** The option as a number in [min, max], or {@code otherwise} when not given. */
    public double number(String key, double otherwise, double min, double max) {
        String v = options.get(key);
        if (v == null) {
            return otherwise;
        }
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new CompressionException(name + ": option " + key + " must be a number, got '" + v + "'");
        }
        if (!(d >= min && d <= max)) {
            throw new CompressionException(String.format(Locale.ROOT, "%s: option %s must be in [%s, %s], got %s",
                    name, key, SoftTargetLoss.trim(min), SoftTargetLoss.trim(max), v));
        }
        return d;
    }

    /** The option as a whole number in [min, max], or {@code otherwise} when not given. */
    public int integer(String key, int otherwise, int min, int max) {
        double d = number(key, otherwise, min, max);
        if (d != Math.rint(d)) {
            throw new CompressionException(name + ": option " + key + " must be a whole number, got "
                    + options.get(key));
        }
        return (int) d;
    }
}
