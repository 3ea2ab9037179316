package org.jvmcompress.core.task;

import java.util.Locale;
import org.jvmcompress.core.CompressionException;

/**
 * An architecture named by a base network of a task and optional changes, written
 * {@code BASE[,width=X][,depth=X][,blocks=plain|separable]}: {@code width} multiplies every layer's channels or units,
 * {@code depth} the number of blocks per stage (rounded, at least one), {@code blocks=separable} makes every
 * convolution after the first depthwise-separable. For example {@code cv-teacher,width=0.5} or
 * {@code cv-teacher,width=0.25,blocks=separable}. The plain base name is the reference network itself.
 */
public record ArchSpec(String base, double width, double depth, boolean separable) {
    public ArchSpec {
        if (!(width > 0 && width <= 8) || !(depth > 0 && depth <= 8)) {
            throw new CompressionException("architecture multipliers must be in (0, 8]; got width=" + width + ", depth="
                    + depth);
        }
    }

    public static ArchSpec parse(String spec) {
        String[] parts = spec.split(",");
        double width = 1;
        double depth = 1;
        boolean separable = false;
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            String key = kv[0].trim();
            if (kv.length != 2) {
                throw new CompressionException("architecture option '" + parts[i] + "' in '" + spec
                        + "' is not KEY=VALUE (keys: width, depth, blocks)");
            }
            String v = kv[1].trim();
            switch (key) {
                case "width" -> width = number(spec, key, v);
                case "depth" -> depth = number(spec, key, v);
                case "blocks" -> {
                    if (!v.equals("plain") && !v.equals("separable")) {
                        throw new CompressionException("blocks must be plain or separable, got '" + v + "' in '" + spec + "'");
                    }
                    separable = v.equals("separable");
                }
                default -> throw new CompressionException("unknown architecture option '" + key + "' in '" + spec
                        + "'; known: width, depth, blocks");
            }
        }
        return new ArchSpec(parts[0].trim(), width, depth, separable);
    }

    private static double number(String spec, String key, String v) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new CompressionException(key + " must be a number, got '" + v + "' in '" + spec + "'");
        }
    }

    public boolean isPlain() {
        return width == 1 && depth == 1 && !separable;
    }

    /** {@code n} scaled by the width multiplier, at least {@code min}. */
    public int scale(int n, int min) {
        return Math.max(min, (int) Math.round(n * width));
    }

    /** {@code blocks} scaled by the depth multiplier, at least one. */
    public int blocks(int blocks) {
        return Math.max(1, (int) Math.round(blocks * depth));
    }

    @Override
    public String toString() {
        if (isPlain()) {
            return base;
        }
        StringBuilder s = new StringBuilder(base);
        if (width != 1) {
            s.append(String.format(Locale.ROOT, ",width=%s", trim(width)));
        }
        if (depth != 1) {
            s.append(String.format(Locale.ROOT, ",depth=%s", trim(depth)));
        }
        if (separable) {
            s.append(",blocks=separable");
        }
        return s.toString();
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
