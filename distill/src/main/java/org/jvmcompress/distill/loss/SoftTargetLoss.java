package org.jvmcompress.distill.loss;

import java.util.Locale;
import org.jvmcompress.core.CompressionException;

/** Response-based knowledge: a divergence between the teacher's and the student's softened outputs. */
public final class SoftTargetLoss implements LogitLoss {
    private final Divergence divergence;
    private final double temperature;

    public SoftTargetLoss(Divergence divergence, double temperature) {
        if (!(temperature > 0) || temperature > 100) {
            throw new CompressionException("temperature must be in (0, 100], got " + temperature);
        }
        this.divergence = divergence;
        this.temperature = temperature;
    }

    public Divergence divergence() {
        return divergence;
    }

    public double temperature() {
        return temperature;
    }

    @Override
    public double score(double[][] s, double[][] t, double[][] labels) {
        double sum = 0;
        for (int i = 0; i < s.length; i++) {
            sum += divergence.value(s[i], t[i], temperature);
        }
        return s.length == 0 ? 0 : sum / s.length;
    }

    @Override
    public double[][] gradient(double[][] s, double[][] t, double[][] labels) {
        double[][] g = new double[s.length][];
        for (int i = 0; i < s.length; i++) {
            g[i] = divergence.gradient(s[i], t[i], temperature);
        }
        return g;
    }

    @Override
    public String toString() {
        return divergence == Divergence.MSE ? "MSE(logits)"
                : String.format(Locale.ROOT, "%s(T=%s)", divergence, trim(temperature));
    }

    /** A number as people write it: 6 significant digits, no trailing zeros (1 - 0.9 prints as 0.1). */
    static String trim(double d) {
        return java.math.BigDecimal.valueOf(d).round(new java.math.MathContext(6)).stripTrailingZeros().toPlainString();
    }
}
