package org.jvmcompress.distill.loss;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.jvmcompress.core.CompressionException;

/**
 * How far the student's softened distribution q = softmax(s/T) is from the teacher's p = softmax(t/T).
 * <ul>
 * <li>{@code forward-kl}: KL(p || q), Hinton et al. 2015. Mass-covering: the student is pushed to give weight to
 * every class the teacher considers possible; the usual choice, and the right one when the teacher's secondary
 * probabilities carry information (similar classes).</li>
 * <li>{@code reverse-kl}: KL(q || p). Mode-seeking: the student may ignore classes to which it cannot give
 * weight and concentrates on the teacher's main mode; suits a small student that cannot match the whole
 * distribution, or a teacher that is confidently right.</li>
 * <li>{@code js}: Jensen-Shannon, (KL(p||m) + KL(q||m)) / 2 with m = (p+q)/2: symmetric and bounded by log 2;
 * between the two in behaviour and robust to a teacher that is confidently wrong.</li>
 * <li>{@code mse}: mean squared difference of the logits, each row centred to mean 0 (Ba and Caruana 2014); the
 * limit of forward KL for high temperatures; ignores T.</li>
 * </ul>
 * The KL and JS divergences are multiplied by T² so that their gradients keep their size as T changes.
 */
public enum Divergence {
    FORWARD_KL("forward-kl"),
    REVERSE_KL("reverse-kl"),
    JS("js"),
    MSE("mse");

    private final String key;

    Divergence(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public static List<String> keys() {
        return Arrays.stream(values()).map(Divergence::key).toList();
    }

    public static Divergence of(String key) {
        for (Divergence d : values()) {
            if (d.key.equals(key)) {
                return d;
            }
        }
        throw new CompressionException("unknown divergence '" + key + "'; known: " + String.join(", ", keys()));
    }

    /** Per-example divergence between teacher logits t and student logits s. */
    double value(double[] s, double[] t, double temp) {
        if (this == MSE) {
            double[] d = centredDifference(s, t);
            double sum = 0;
            for (double v : d) {
                sum += v * v;
            }
            return sum / s.length;
        }
        double[] lp = Softmax.logSoftmax(t, temp);
        double[] lq = Softmax.logSoftmax(s, temp);
        double v = 0;
        switch (this) {
            case FORWARD_KL -> {
                for (int i = 0; i < s.length; i++) {
                    v += Math.exp(lp[i]) * (lp[i] - lq[i]);
                }
            }
            case REVERSE_KL -> {
                for (int i = 0; i < s.length; i++) {
                    v += Math.exp(lq[i]) * (lq[i] - lp[i]);
                }
            }
            case JS -> {
                for (int i = 0; i < s.length; i++) {
                    double p = Math.exp(lp[i]);
                    double q = Math.exp(lq[i]);
                    double lm = Math.log(0.5 * (p + q));
                    v += 0.5 * (p * (lp[i] - lm) + q * (lq[i] - lm));
                }
            }
            default -> throw new IllegalStateException();
        }
        return temp * temp * v;
    }

    /** Gradient of {@link #value} with respect to the student logits s. */
    double[] gradient(double[] s, double[] t, double temp) {
        int k = s.length;
        double[] g = new double[k];
        if (this == MSE) {
            double[] d = centredDifference(s, t);
            for (int i = 0; i < k; i++) {
                g[i] = 2 * d[i] / k;
            }
            return g;
        }
        double[] lp = Softmax.logSoftmax(t, temp);
        double[] lq = Softmax.logSoftmax(s, temp);
        double[] q = new double[k];
        for (int i = 0; i < k; i++) {
            q[i] = Math.exp(lq[i]);
        }
        if (this == FORWARD_KL) {
            // d/ds_j = T^2 * (q_j - p_j) / T
            for (int i = 0; i < k; i++) {
                g[i] = temp * (q[i] - Math.exp(lp[i]));
            }
            return g;
        }
        // For a loss f(q), d/d(s_j/T) = q_j (u_j - sum_i q_i u_i) with u = df/dq.
        double[] u = new double[k];
        for (int i = 0; i < k; i++) {
            if (this == REVERSE_KL) {
                u[i] = lq[i] - lp[i] + 1;
            } else {
                double lm = Math.log(0.5 * (Math.exp(lp[i]) + q[i]));
                u[i] = 0.5 * (lq[i] - lm);
            }
        }
        double mean = 0;
        for (int i = 0; i < k; i++) {
            mean += q[i] * u[i];
        }
        for (int i = 0; i < k; i++) {
            g[i] = temp * q[i] * (u[i] - mean);
        }
        return g;
    }

    /** (s - mean(s)) - (t - mean(t)): logits are defined up to a constant per row, so they are compared centred. */
    static double[] centredDifference(double[] s, double[] t) {
        double ms = 0;
        double mt = 0;
        for (int i = 0; i < s.length; i++) {
            ms += s[i];
            mt += t[i];
        }
        ms /= s.length;
        mt /= t.length;
        double[] d = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            d[i] = (s[i] - ms) - (t[i] - mt);
        }
        return d;
    }

    @Override
    public String toString() {
        return key.toUpperCase(Locale.ROOT);
    }
}
