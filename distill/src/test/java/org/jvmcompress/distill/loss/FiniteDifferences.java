package org.jvmcompress.distill.loss;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Function;

/** Central finite-difference check of an analytic gradient of per-example losses against a batch-mean score. */
final class FiniteDifferences {
    private FiniteDifferences() {}

    /** Fails when |numeric - analytic| / max(floor, |numeric| + |analytic|) reaches tol for any value. */
    static void check(Function<double[][], Double> score, double[][] grad, double[][] s, double h, double tol,
                      double floor, String what) {
        int n = s.length;
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < s[i].length; k++) {
                double keep = s[i][k];
                s[i][k] = keep + h;
                double up = score.apply(s);
                s[i][k] = keep - h;
                double down = score.apply(s);
                s[i][k] = keep;
                double numeric = (up - down) / (2 * h) * n;
                double err = Math.abs(numeric - grad[i][k]) / Math.max(floor, Math.abs(numeric) + Math.abs(grad[i][k]));
                assertTrue(err < tol, what + ": d/ds[" + i + "][" + k + "] analytic " + grad[i][k] + " numeric " + numeric);
            }
        }
    }
}
