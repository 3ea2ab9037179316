package org.jvmcompress.distill;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.jvmcompress.core.CompressionException;

/**
 * How the outputs of several teachers become one target: {@code avg} (equal weights), fixed weights
 * ({@code 0.7,0.3}, normalised), or {@code confidence}: per example, each teacher weighted by the probability it
 * gives the true class, so that a teacher that is wrong on an example counts less there. The mixture is taken over
 * the softened distributions at the loss's temperature T, and written back as logits
 * {@code T * log(sum_i w_i softmax(z_i / T))}, whose softmax at T is exactly the mixture.
 */
public record TeacherMix(String mode, double[] weights) {
    public static final List<String> MODES = List.of("avg", "confidence", "W1,W2,...");

    public static TeacherMix parse(String spec, int teachers) {
        String s = spec == null ? "avg" : spec.trim();
        if (s.equals("avg") || s.equals("confidence")) {
            return new TeacherMix(s, null);
        }
        String[] parts = s.split(",");
        if (parts.length != teachers) {
            throw new CompressionException("teacher weights '" + spec + "' give " + parts.length + " weights for "
                    + teachers + " teachers; use one weight per teacher, or one of avg, confidence");
        }
        double[] w = new double[parts.length];
        double sum = 0;
        for (int i = 0; i < parts.length; i++) {
            try {
                w[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new CompressionException("teacher weighting must be avg, confidence or numbers W1,W2,...; got '"
                        + spec + "'");
            }
            if (!(w[i] >= 0) || Double.isInfinite(w[i])) {
                throw new CompressionException("teacher weights must be finite and non-negative; got '" + spec + "'");
            }
            sum += w[i];
        }
        if (sum <= 0) {
            throw new CompressionException("teacher weights '" + spec + "' sum to zero");
        }
        for (int i = 0; i < w.length; i++) {
            w[i] /= sum;
        }
        return new TeacherMix("fixed", w);
    }

    /**
     * @param logits one array per teacher, [example][class]
     * @param labels true classes (used by {@code confidence})
     */
    public float[][] combine(List<float[][]> logits, int[] labels, double temperature) {
        int m = logits.size();
        if (m == 1) {
            return logits.get(0);
        }
        int n = logits.get(0).length;
        int k = logits.get(0)[0].length;
        float[][] out = new float[n][k];
        double[] w = new double[m];
        double[][] p = new double[m][];
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < m; t++) {
                p[t] = softmax(logits.get(t)[i], temperature);
            }
            double wsum = 0;
            for (int t = 0; t < m; t++) {
                w[t] = switch (mode) {
                    case "avg" -> 1.0 / m;
                    case "fixed" -> weights[t];
                    // Confidence in the true class, judged at T = 1.
                    default -> softmax(logits.get(t)[i], 1)[labels[i]];
                };
                wsum += w[t];
            }
            double mean = 0;
            for (int c = 0; c < k; c++) {
                double mix = 0;
                for (int t = 0; t < m; t++) {
                    mix += (wsum > 0 ? w[t] / wsum : 1.0 / m) * p[t][c];
                }
                out[i][c] = (float) (temperature * Math.log(Math.max(mix, 1e-30)));
                mean += out[i][c];
            }
            mean /= k;
            for (int c = 0; c < k; c++) {
                out[i][c] -= (float) mean;
            }
        }
        return out;
    }

    static double[] softmax(float[] z, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : z) {
            max = Math.max(max, v / temperature);
        }
        double[] e = new double[z.length];
        double sum = 0;
        for (int c = 0; c < z.length; c++) {
            e[c] = Math.exp(z[c] / temperature - max);
            sum += e[c];
        }
        for (int c = 0; c < z.length; c++) {
            e[c] /= sum;
        }
        return e;
    }

    @Override
    public String toString() {
        return mode.equals("fixed") ? "fixed" + Arrays.toString(weights).replace(" ", "") : mode;
    }
}
