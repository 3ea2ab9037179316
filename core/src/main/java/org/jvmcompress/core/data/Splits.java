package org.jvmcompress.core.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jvmcompress.core.CompressionException;

/**
 * Deterministic, seeded splits. Items that share a group key (for example duplicate reviews) always land on
 * the same side, so no test item has a copy in training.
 */
public final class Splits {
    private Splits() {}

    /**
     * Splits {@code keys.size()} items into parts with the given fractions (summing to 1). Groups are shuffled with
     * the seed and dealt out in that order, so each part is in a seeded random order (its first items are a fair sample).
     */
    public static int[][] split(List<String> keys, double[] fractions, long seed) {
        double sum = 0;
        for (double f : fractions) {
            if (f < 0) {
                throw new CompressionException("split fractions must be non-negative");
            }
            sum += f;
        }
        if (Math.abs(sum - 1.0) > 1e-6) {
            throw new CompressionException("split fractions must sum to 1, got " + sum);
        }
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            groups.computeIfAbsent(keys.get(i), k -> new ArrayList<>()).add(i);
        }
        List<List<Integer>> order = new ArrayList<>(groups.values());
        java.util.Collections.shuffle(order, new Random(seed));
        int n = keys.size();
        int[][] parts = new int[fractions.length][];
        List<List<Integer>> acc = new ArrayList<>();
        for (int p = 0; p < fractions.length; p++) {
            acc.add(new ArrayList<>());
        }
        double cum = 0;
        int part = 0;
        int assigned = 0;
        double bound = fractions[0] * n;
        for (List<Integer> g : order) {
            while (part < fractions.length - 1 && assigned >= Math.round(bound)) {
                part++;
                cum += fractions[part - 1];
                bound = (cum + fractions[part]) * n;
            }
            acc.get(part).addAll(g);
            assigned += g.size();
        }
        for (int p = 0; p < fractions.length; p++) {
            parts[p] = acc.get(p).stream().mapToInt(Integer::intValue).toArray();
        }
        return parts;
    }

    /** One group per item: a plain seeded random split. */
    public static int[][] split(int n, double[] fractions, long seed) {
        List<String> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            keys.add(Integer.toString(i));
        }
        return split(keys, fractions, seed);
    }

    /** Group key for texts: equal after trimming and collapsing whitespace and case. */
    public static String textKey(String text) {
        return text.strip().replaceAll("\\s+", " ").toLowerCase(java.util.Locale.ROOT);
    }

    /** How many items of {@code test} have a key that also occurs in {@code train}. */
    public static long overlap(List<String> train, List<String> test) {
        java.util.Set<String> seen = new java.util.HashSet<>(train);
        return test.stream().filter(seen::contains).count();
    }
}
