package org.jvmcompress.distill.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.jvmcompress.core.CompressionException;

class AttentionTransferLossTest {
    static final double[][] A = {{0.5, -1.0, 2.0, 0.1, 1.5, 0.3, -0.4, 0.2}, {-0.7, 0.8, 0.9, -1.1, 0.2, 0.2, -1.5, 0.6}};
    static final double[][] MAPS = {
        {0.09920459177095627, 0.6944321423966938, 0.19840918354191253, 0.6845116832195982}, {0.5, 0.5, 0.5, 0.5}};

    @Test
    void referenceValue() {
        assertEquals(0.801643609159602, new AttentionTransferLoss(2, 2, 2).score(A, MAPS), 1e-12);
    }

    @Test
    void teacherMapOfTheSameActivationsGivesZero() {
        double[][] own = {AttentionTransferLoss.map(A[0], 2, 4), AttentionTransferLoss.map(A[1], 2, 4)};
        assertEquals(0, new AttentionTransferLoss(2, 2, 2).score(A, own), 1e-12);
        // a teacher with other channels but the same spatial attention
        double[] wide = new double[12];
        for (int c = 0; c < 3; c++) {
            for (int p = 0; p < 4; p++) {
                wide[c * 4 + p] = A[0][p] * A[0][p] + A[0][4 + p] * A[0][4 + p] > 0 ? Math.sqrt(
                        (A[0][p] * A[0][p] + A[0][4 + p] * A[0][4 + p]) / 3) : 0;
            }
        }
        double[] q = AttentionTransferLoss.map(wide, 3, 4);
        for (int p = 0; p < 4; p++) {
            assertEquals(own[0][p], q[p], 1e-12);
        }
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        Random r = new Random(4);
        AttentionTransferLoss loss = new AttentionTransferLoss(3, 2, 3);
        for (int trial = 0; trial < 5; trial++) {
            double[][] s = LogitLossTest.random(r, 3, 18);
            double[][] t = new double[3][];
            for (int i = 0; i < 3; i++) {
                t[i] = AttentionTransferLoss.map(LogitLossTest.random(r, 1, 12)[0], 2, 6);
            }
            FiniteDifferences.check(x -> loss.score(x, t), loss.gradient(s, t), s, 1e-6, 1e-4, 1e-4, "AT");
        }
    }

    @Test
    void mismatchedMapsAreNamed() {
        CompressionException e = assertThrows(CompressionException.class,
                () -> new AttentionTransferLoss(2, 2, 2).score(A, new double[][] {{1, 0}, {0, 1}}));
        assertTrue(e.getMessage().contains("same height and width"), e.getMessage());
    }
}
