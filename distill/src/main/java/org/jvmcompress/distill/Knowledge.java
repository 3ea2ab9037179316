package org.jvmcompress.distill;

import java.util.Locale;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.distill.loss.AuxiliaryLossFunction;

/**
 * One piece of feature- or relation-based knowledge: which teacher layer teaches which student layer, how, and
 * with what weight. Kinds: {@code hint} (FitNets: the student's activation, through a learned adapter — a 1x1
 * convolution or a dense layer — regresses the teacher's), {@code at} (attention maps; the two layers must have the
 * same height and width), {@code rkd-d}, {@code rkd-a}, {@code sp} (relations between the batch's embeddings; any
 * widths).
 */
public record Knowledge(String kind, String teacherLayer, String studentLayer, double weight) {
    public Knowledge {
        if (!AuxiliaryLossFunction.KINDS.contains(kind)) {
            throw new CompressionException("unknown feature/relation loss '" + kind + "'; known: "
                    + String.join(", ", AuxiliaryLossFunction.KINDS));
        }
        if (teacherLayer == null || studentLayer == null) {
            throw new CompressionException(kind + " needs a teacher layer and a student layer");
        }
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new CompressionException("weight of " + kind + " must be finite and non-negative, got " + weight);
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s*%s(%s<-%s)", weight, kind.toUpperCase(Locale.ROOT), studentLayer,
                teacherLayer);
    }
}
