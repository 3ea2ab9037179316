package org.jvmcompress.distill;

import java.util.Locale;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.distill.loss.KnowledgeKinds;

/**
 * One piece of feature- or relation-based knowledge: which teacher layer teaches which student layer, how, and
 * with what weight. The kinds are {@link org.jvmcompress.distill.loss.KnowledgeKind}s: {@code hint} (FitNets),
 * {@code at} (attention maps), {@code rkd-d}, {@code rkd-a}, {@code sp} (relations between the batch's embeddings),
 * and any other registered.
 */
public record Knowledge(String kind, String teacherLayer, String studentLayer, double weight, String map) {
    /** The layer maps of numbered layers ({@code enc*}): see {@link LayerMap}. */
    public static final java.util.List<String> MAPS = java.util.List.of("uniform", "last");

    public Knowledge {
        KnowledgeKinds.get(kind); // an unknown kind fails here, naming the known ones
        if (teacherLayer == null || studentLayer == null) {
            throw new CompressionException(kind + " needs a teacher layer and a student layer");
        }
        if (teacherLayer.endsWith("*") != studentLayer.endsWith("*")) {
            throw new CompressionException(kind + ": a layer pattern (" + (teacherLayer.endsWith("*") ? teacherLayer
                    : studentLayer) + ") maps numbered layers onto numbered layers; give a pattern on both sides");
        }
        if (map != null && !MAPS.contains(map)) {
            throw new CompressionException(kind + ": unknown layer map '" + map + "'; known: " + String.join(", ", MAPS));
        }
        if (map != null && !teacherLayer.endsWith("*")) {
            throw new CompressionException(kind + ": a layer map (" + map + ") needs layer patterns such as enc*");
        }
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new CompressionException("weight of " + kind + " must be finite and non-negative, got " + weight);
        }
    }

    public Knowledge(String kind, String teacherLayer, String studentLayer, double weight) {
        this(kind, teacherLayer, studentLayer, weight, null);
    }

    /** Whether the layers are patterns of numbered layers, to be paired by a {@link LayerMap}. */
    public boolean isPattern() {
        return teacherLayer.endsWith("*");
    }

    /**
     * "KIND:TEACHER_LAYER:STUDENT_LAYER[:WEIGHT[:MAP]]", as {@code --feature} and a run config's {@code features} give
     * it; layers may be patterns of numbered layers ({@code enc*}) paired by MAP (uniform, the default, or last).
     */
    public static Knowledge parse(String spec) {
        String[] parts = spec.split(":");
        if (parts.length < 3 || parts.length > 5) {
            throw new CompressionException("a feature must be KIND:TEACHER_LAYER:STUDENT_LAYER[:WEIGHT[:MAP]], got '"
                    + spec + "'");
        }
        double w;
        try {
            w = parts.length >= 4 ? Double.parseDouble(parts[3]) : 1.0;
        } catch (NumberFormatException e) {
            throw new CompressionException("a feature's weight must be a number, got '" + parts[3] + "' in '" + spec
                    + "'");
        }
        return new Knowledge(parts[0], parts[1], parts[2], w, parts.length == 5 ? parts[4] : null);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s*%s(%s<-%s%s)", weight, kind.toUpperCase(Locale.ROOT), studentLayer,
                teacherLayer, map == null ? "" : ", " + map);
    }
}
