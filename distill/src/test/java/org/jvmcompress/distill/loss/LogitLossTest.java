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
        assertEquals(2.9225207423804007, new DecoupledKdLoss(2, 8).score(S, T, Y), 1e-12);
        assertEquals(0.9513696118817998,
                new StandardizedLogitsLoss(new SoftTargetLoss(Divergence.FORWARD_KL, 2)).score(S, T, Y), 1e-12);
    }

    /** KL(p || q) = TCKD + (1 - p_y) NCKD: with beta = 1 - p_y for every row DKD is Hinton's loss. */
    @Test
    void decoupledPartsAddUpToHintonsLoss() {
        Random r = new Random(11);
        for (int trial = 0; trial < 20; trial++) {
            double[][] s = random(r, 1, 6);
            double[][] t = random(r, 1, 6);
            double[][] y = new double[1][6];
            int label = r.nextInt(6);
            y[0][label] = 1;
            double temp = 1 + r.nextInt(4);
            double py = Softmax.softmax(t[0], temp)[label];
            assertEquals(new SoftTargetLoss(Divergence.FORWARD_KL, temp).score(s, t, y),
                    new DecoupledKdLoss(temp, 1 - py).score(s, t, y), 1e-9);
        }
        // Two classes leave no non-target part: DKD is then KL itself, whatever beta.
        double[][] s2 = {{0.4, -1.1}};
        double[][] t2 = {{2.5, 0.2}};
        double[][] y2 = {{1, 0}};
        assertEquals(new SoftTargetLoss(Divergence.FORWARD_KL, 2).score(s2, t2, y2),
                new DecoupledKdLoss(2, 8).score(s2, t2, y2), 1e-12);
    }

    /** z-scoring ignores a row's shift and scale: a student whose logits are a teacher's times 3 plus 5 matches it. */
    @Test
    void standardizedLossIgnoresTheLogitsScale() {
        double[][] scaled = new double[T.length][];
        for (int i = 0; i < T.length; i++) {
            scaled[i] = java.util.Arrays.stream(T[i]).map(v -> 3 * v + 5).toArray();
        }
        LogitLoss z = new StandardizedLogitsLoss(new SoftTargetLoss(Divergence.FORWARD_KL, 1));
        assertEquals(0, z.score(scaled, T, Y), 1e-12);
        assertTrue(new SoftTargetLoss(Divergence.FORWARD_KL, 1).score(scaled, T, Y) > 0.1);
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
                // kd-adv trains its discriminator in gradient(), before the check
                LogitLoss loss = LogitLosses.create(configured(name, 5), temp, 0.7);
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

    /** A registered loss's name with the options it cannot do without, for {@code classes} outputs. */
    static String configured(String name, int classes) {
        return name.equals("lwf") ? "lwf[old=" + (classes - 1) + "]" : name;
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
        assertEquals("0.5*DKD(T=4, beta=8) + 0.5*CE", LogitLosses.create("dkd", 4, 0.5).toString());
        assertEquals("0.7*DKD(T=1, beta=2) + 0.3*CE", LogitLosses.create("dkd", 1, 0.7, 2).toString());
        assertEquals("0.9*FORWARD-KL(T=2)[z-scored logits] + 0.1*CE", LogitLosses.create("kd-std", 2, 0.9).toString());
    }

    @Test
    void badNamesAndValuesAreNamed() {
        CompressionException e = assertThrows(CompressionException.class, () -> LogitLosses.create("kl", 4, 0.9));
        assertEquals("unknown distillation loss 'kl'; known: kd, kd-reverse, kd-js, kd-mse, dkd, kd-std, kd-adv, lwf, ce",
                e.getMessage());
        assertTrue(assertThrows(CompressionException.class, () -> LogitLosses.create("kd", 0, 0.9)).getMessage()
                .contains("temperature"));
        assertTrue(assertThrows(CompressionException.class, () -> LogitLosses.create("kd", 4, 1.5)).getMessage()
                .contains("alpha"));
        assertTrue(assertThrows(CompressionException.class, () -> LogitLosses.checkClasses("kd-std", 2)).getMessage()
                .contains("kd-std (z-scored logits) needs 3 or more classes; this network has 2"));
        LogitLosses.checkClasses("kd-std", 10);
        LogitLosses.checkClasses("kd", 2);
        assertTrue(assertThrows(CompressionException.class, () -> new DecoupledKdLoss(1, -1)).getMessage()
                .contains("beta must be in [0, 1000]"));
        assertTrue(assertThrows(CompressionException.class, () -> Divergence.of("hellinger")).getMessage()
                .contains("forward-kl, reverse-kl, js, mse"));
    }
}
