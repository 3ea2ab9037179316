package org.jvmcompress.distill.loss;

import java.util.Locale;
import org.jvmcompress.core.CompressionException;

/**
 * Decoupled knowledge distillation (Zhao, Cui, Song, Qiu and Liang, "Decoupled Knowledge Distillation", CVPR 2022).
 * Hinton's KL(p || q) at temperature T splits into a target-class part and a non-target part:
 * KL(p || q) = TCKD + (1 - p_y) NCKD, where y is the labelled class,
 * <ul>
 * <li>TCKD = KL([p_y, 1 - p_y] || [q_y, 1 - q_y]), how sure of the labelled class the two are, and</li>
 * <li>NCKD = KL(p^ || q^) with p^ and q^ the softmaxes over the other classes only: how the teacher ranks the
 * wrong classes.</li>
 * </ul>
 * The factor (1 - p_y) silences the non-target knowledge exactly where the teacher is sure, as a teacher is on
 * most of its own training images. This loss weights the two parts independently: T² (TCKD + beta NCKD); the paper
 * uses beta = 8. With two classes NCKD is zero and the loss is TCKD, which is then KL(p || q) itself.
 * The labelled class is the label row's largest entry (soft labels, e.g. mixup's, count by their argmax).
 */
public final class DecoupledKdLoss implements LogitLoss {
    /** The paper's weight of the non-target part (CIFAR-100 and ImageNet alike). */
    public static final double DEFAULT_BETA = 8;

    private final double temperature;
    private final double beta;

    public DecoupledKdLoss(double temperature, double beta) {
        if (!(temperature > 0) || temperature > 100) {
            throw new CompressionException("temperature must be in (0, 100], got " + temperature);
        }
        if (!(beta >= 0) || beta > 1000) {
            throw new CompressionException("the non-target weight beta must be in [0, 1000], got " + beta);
        }
        this.temperature = temperature;
        this.beta = beta;
    }

    @Override
    public double score(double[][] s, double[][] t, double[][] labels) {
        double sum = 0;
        for (int i = 0; i < s.length; i++) {
            int y = argmax(labels[i]);
            Parts ps = Parts.of(t[i], y, temperature);
            Parts qs = Parts.of(s[i], y, temperature);
            double tckd = Math.exp(ps.logTarget) * (ps.logTarget - qs.logTarget)
                    + Math.exp(ps.logRest) * (ps.logRest - qs.logRest);
            double nckd = 0;
            for (int k = 0; k < s[i].length; k++) {
                if (k != y) {
                    nckd += Math.exp(ps.logOther[k]) * (ps.logOther[k] - qs.logOther[k]);
                }
            }
            sum += temperature * temperature * (tckd + beta * nckd);
        }
        return s.length == 0 ? 0 : sum / s.length;
    }

    @Override
    public double[][] gradient(double[][] s, double[][] t, double[][] labels) {
        double[][] g = new double[s.length][];
        for (int i = 0; i < s.length; i++) {
            int y = argmax(labels[i]);
            Parts ps = Parts.of(t[i], y, temperature);
            Parts qs = Parts.of(s[i], y, temperature);
            // With z = s/T: dTCKD/dz_y = q_y - p_y, dTCKD/dz_j = -(q_y - p_y) q^_j; dNCKD/dz_j = q^_j - p^_j (j != y).
            double dy = Math.exp(qs.logTarget) - Math.exp(ps.logTarget);
            double[] row = new double[s[i].length];
            for (int k = 0; k < row.length; k++) {
                if (k == y) {
                    row[k] = temperature * dy;
                } else {
                    double qk = Math.exp(qs.logOther[k]);
                    row[k] = temperature * (-dy * qk + beta * (qk - Math.exp(ps.logOther[k])));
                }
            }
            g[i] = row;
        }
        return g;
    }

    /** log p_y, log(1 - p_y) and the log-softmax over the classes other than y (entry y unused), all at T. */
    private record Parts(double logTarget, double logRest, double[] logOther) {
        static Parts of(double[] logits, int y, double temp) {
            double all = logSumExp(logits, -1, temp);
            double rest = logSumExp(logits, y, temp);
            double[] other = new double[logits.length];
            for (int k = 0; k < logits.length; k++) {
                other[k] = k == y ? 0 : logits[k] / temp - rest;
            }
            return new Parts(logits[y] / temp - all, rest - all, other);
        }
    }

    /** log sum exp(z_k / T) over every k but {@code skip}; -infinity when nothing is left (one class). */
    private static double logSumExp(double[] z, int skip, double temp) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < z.length; k++) {
            if (k != skip) {
                max = Math.max(max, z[k] / temp);
            }
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double sum = 0;
        for (int k = 0; k < z.length; k++) {
            if (k != skip) {
                sum += Math.exp(z[k] / temp - max);
            }
        }
        return max + Math.log(sum);
    }

    private static int argmax(double[] row) {
        int best = 0;
        for (int k = 1; k < row.length; k++) {
            if (row[k] > row[best]) {
                best = k;
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "DKD(T=%s, beta=%s)", SoftTargetLoss.trim(temperature),
                SoftTargetLoss.trim(beta));
    }
}
