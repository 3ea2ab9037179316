package org.jvmcompress.distill.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.jvmcompress.core.CompressionException;

/**
 * Every logit loss: reference values (computed independently with NumPy from the formulas in the Javadoc) and
 * a central finite-difference check of its gradient.
 */
class LogitLossTest {
    static final double[][] S = {{1.0, -0.5, 2.0}, {0.3, 0.1, -1.2}};
    static final double[][] T = {{2.0, 0.5, -1.0}, {-0.2, 1.5, 0.4}};
    static final double[][] Y = {{0, 0, 1}, {0, 1, 0}};

    @Test
    void referenceValues() {
        assertEquals(0.8876101380993037, new SoftTargetLoss(Divergence.FORWARD_KL, 2).score(S, T, Y), 1e-12);
        assertEquals(1.1109180768090108, new SoftTargetLoss(Divergence.REVERSE_KL, 2).score(S, T, Y), 1e-12);
        assertEquals(0.23804086188302426, new SoftTargetLoss(Divergence.JS, 2).score(S, T, Y), 1e-12);
        assertEquals(2.2255555555555557, new SoftTargetLoss(Divergence.MSE, 2).score(S, T, Y), 1e-12);
        assertEquals(0.6427003181309248, new CrossEntropyLoss().score(S, T, Y), 1e-12);
        assertEquals(0.8631191561024657, LogitLosses.create("kd", 2, 0.9).score(S, T, Y), 1e-12);
    }

    @Test
    void divergencesAreZeroWhenStudentEqualsTeacher() {
        for (Divergence d : Divergence.values()) {
            assertEquals(0, new SoftTargetLoss(d, 3).score(T, T, Y), 1e-12, d.key());
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Random r = new Random(5);
        for (String name : LogitLosses.names()) {
            for (double temp : new double[] {1, 4}) {
                LogitLoss loss = LogitLosses.create(name, temp, 0.7);
                for (int trial = 0; trial < 5; trial++) {
                    double[][] s = random(r, 4, 5);
                    double[][] t = random(r, 4, 5);
                    double[][] y = new double[4][5];
                    for (double[] row : y) {
                        row[r.nextInt(5)] = 1;
                    }
                    check(loss, s, t, y, name + " T=" + temp);
                }
            }
        }
    }

    static double[][] random(Random r, int n, int k) {
        double[][] a = new double[n][k];
        for (double[] row : a) {
            for (int j = 0; j < k; j++) {
                row[j] = r.nextGaussian() * 3;
            }
        }
        return a;
    }

    static void check(LogitLoss loss, double[][] s, double[][] t, double[][] y, String what) {
        FiniteDifferences.check(x -> loss.score(x, t, y), loss.gradient(s, t, y), s, 1e-5, 1e-5, 1e-3, what);
    }

    @Test
    void formulasReadLikeTheLoss() {
        assertEquals("0.9*FORWARD-KL(T=4) + 0.1*CE", LogitLosses.create("kd", 4, 0.9).toString());
        assertEquals("0.5*REVERSE-KL(T=2.5) + 0.5*CE", LogitLosses.create("kd-reverse", 2.5, 0.5).toString());
        assertEquals("1*CE", LogitLosses.create("ce", 1, 0).toString());
    }

    @Test
    void badNamesAndValuesAreNamed() {
        CompressionException e = assertThrows(CompressionException.class, () -> LogitLosses.create("kl", 4, 0.9));
        assertEquals("unknown distillation loss 'kl'; known: kd, kd-reverse, kd-js, kd-mse, ce", e.getMessage());
        assertTrue(assertThrows(CompressionException.class, () -> LogitLosses.create("kd", 0, 0.9)).getMessage()
                .contains("temperature"));
        assertTrue(assertThrows(CompressionException.class, () -> LogitLosses.create("kd", 4, 1.5)).getMessage()
                .contains("alpha"));
        assertTrue(assertThrows(CompressionException.class, () -> Divergence.of("hellinger")).getMessage()
                .contains("forward-kl, reverse-kl, js, mse"));
    }
}
