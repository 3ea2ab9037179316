package org.jvmcompress.distill;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jvmcompress.core.CompressionException;

/**
 * Pairs numbered layers of a teacher and a student (a pattern such as {@code enc*} names {@code enc1, enc2, ...}), as
 * TinyBERT (Jiao et al. 2020) maps a deeper teacher's blocks onto a shallower student's: {@code uniform} gives student
 * layer m of M the teacher's layer round(m N / M) of N (every N/M-th block, ending at the last), {@code last} the
 * teacher's top M layers (N - M + m). A student layer learns from exactly one teacher layer.
 */
public final class LayerMap {
    private LayerMap() {}

    /** The specs with every pattern replaced by its pairs, in order; the others as they are. */
    public static List<Knowledge> expand(List<Knowledge> specs, java.util.Collection<String> teacherLayers,
                                         java.util.Collection<String> studentLayers) {
        List<Knowledge> out = new ArrayList<>();
        for (Knowledge k : specs) {
            if (!k.isPattern()) {
                out.add(k);
                continue;
            }
            List<String> t = numbered(k.teacherLayer(), teacherLayers, "the teacher", k);
            List<String> s = numbered(k.studentLayer(), studentLayers, "the student", k);
            for (int[] p : pairs(t.size(), s.size(), k.map() == null ? "uniform" : k.map(), k)) {
                out.add(new Knowledge(k.kind(), t.get(p[0] - 1), s.get(p[1] - 1), k.weight()));
            }
        }
        return out;
    }

    /** [teacher layer, student layer] pairs, 1-based, one per student layer. */
    static List<int[]> pairs(int n, int m, String map, Knowledge k) {
        if (m > n) {
            throw new CompressionException(k + ": the student has " + m + " layers " + k.studentLayer() + ", the teacher"
                    + " only " + n + "; a layer map gives each student layer a deeper teacher layer");
        }
        List<int[]> out = new ArrayList<>();
        for (int i = 1; i <= m; i++) {
            int t = map.equals("last") ? n - m + i : (int) Math.round((double) i * n / m);
            out.add(new int[] {Math.max(1, Math.min(n, t)), i});
        }
        return out;
    }

    private static List<String> numbered(String pattern, java.util.Collection<String> layers, String who, Knowledge k) {
        String prefix = pattern.substring(0, pattern.length() - 1);
        List<String> found = layers.stream().filter(l -> l.startsWith(prefix)
                && l.length() > prefix.length() && l.substring(prefix.length()).matches("[0-9]+"))
                .sorted(Comparator.comparingInt(l -> Integer.parseInt(l.substring(prefix.length())))).toList();
        if (found.isEmpty()) {
            throw new CompressionException(k + ": " + who + " has no layers " + prefix + "1, " + prefix + "2, ...;"
                    + " its layers are " + layers);
        }
        return found;
    }
}
