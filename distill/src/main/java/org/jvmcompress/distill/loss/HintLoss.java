package org.jvmcompress.distill.loss;

import org.jvmcompress.core.CompressionException;

/**
 * FitNets hint loss (Romero et al. 2015): mean squared error between the student's (adapted) activations and the
 * teacher's, per example the mean over all values, averaged over the batch.
 */
final class HintLoss {
    private HintLoss() {}

    static double score(double[][] s, double[][] t) {
        double sum = 0;
        for (int i = 0; i < s.length; i++) {
            check(s[i], t[i]);
            double e = 0;
            for (int k = 0; k < s[i].length; k++) {
                double d = s[i][k] - t[i][k];
                e += d * d;
            }
            sum += e / s[i].length;
        }
        return s.length == 0 ? 0 : sum / s.length;
    }

    static double[][] gradient(double[][] s, double[][] t) {
        double[][] g = new double[s.length][];
        for (int i = 0; i < s.length; i++) {
            check(s[i], t[i]);
            g[i] = new double[s[i].length];
            for (int k = 0; k < s[i].length; k++) {
                g[i][k] = 2 * (s[i][k] - t[i][k]) / s[i].length;
            }
        }
        return g;
    }

    private static void check(double[] s, double[] t) {
        if (s.length != t.length) {
            throw new CompressionException("hint: the adapted student activation has " + s.length
                    + " values per example, the teacher's " + t.length);
        }
    }
}
