package org.jvmcompress.distill.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Relation-based losses: NumPy reference values and finite-difference gradient checks. */
class RelationLossTest {
    static final double[][] S = {{0.5, -1.0, 2.0, 0.1}, {1.5, 0.3, -0.4, 0.2}, {-0.7, 0.8, 0.9, -1.1}, {0.2, 0.2, -1.5, 0.6}};
    static final double[][] T = {{1.0, 0.0, -0.5}, {0.4, 1.2, 0.3}, {-1.0, 0.5, 0.8}, {0.3, -0.9, 0.1}};

    @Test
    void referenceValues() {
        assertEquals(0.07013714614093633, new RkdDistanceLoss().score(S, T), 1e-12);
        assertEquals(0.17060799288213765, new RkdAngleLoss().score(S, T), 1e-12);
        assertEquals(0.28363303336086076, new SimilarityPreservingLoss().score(S, T), 1e-12);
        // NumPy: squared distances over their off-diagonal mean, mean squared difference over i != j
        assertEquals(0.4988134678452532, new InstanceGraphLoss().score(S, T), 1e-12);
    }

    @Test
    void zeroWhenRelationsAgree() {
        double[][] scaled = new double[S.length][S[0].length];
        for (int i = 0; i < S.length; i++) {
            for (int k = 0; k < S[0].length; k++) {
                scaled[i][k] = 3 * S[i][k];
            }
        }
        // Distances and angles are relative, so a scaled copy has the same relations.
        assertEquals(0, new RkdDistanceLoss().score(scaled, S), 1e-12);
        assertEquals(0, new RkdAngleLoss().score(scaled, S), 1e-12);
        assertEquals(0, new SimilarityPreservingLoss().score(scaled, S), 1e-12);
        assertEquals(0, new InstanceGraphLoss().score(scaled, S), 1e-12);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Random r = new Random(9);
        for (RelationLoss loss : List.of(new RkdDistanceLoss(), new RkdAngleLoss(), new SimilarityPreservingLoss(),
                new InstanceGraphLoss())) {
            for (int trial = 0; trial < 4; trial++) {
                double[][] s = LogitLossTest.random(r, 5, 4);
                double[][] t = LogitLossTest.random(r, 5, 6);
                FiniteDifferences.check(x -> loss.score(x, t), loss.gradient(s, t), s, 1e-6, 1e-4, 1e-4, loss.toString());
            }
        }
    }

    @Test
    void irgOnArraysMatchesTheReference() {
        Random r = new Random(11);
        InstanceGraphLoss irg = new InstanceGraphLoss();
        // wider than InstanceGraphLoss.WIDE: the matrix-product path
        double[][] s = LogitLossTest.random(r, 7, 600);
        double[][] t = LogitLossTest.random(r, 7, 530);
        org.nd4j.linalg.api.ndarray.INDArray sa = org.nd4j.linalg.factory.Nd4j.createFromArray(s)
                .castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
        org.nd4j.linalg.api.ndarray.INDArray ta = org.nd4j.linalg.factory.Nd4j.createFromArray(t)
                .castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
        double[][] fs = org.jvmcompress.core.util.Matrices.rows(sa);
        double[][] ft = org.jvmcompress.core.util.Matrices.rows(ta);
        assertEquals(irg.score(fs, ft), irg.score(ta, sa, new long[] {600}), 1e-5); // float arithmetic
        double[][] expected = irg.gradient(fs, ft);
        double[][] got = org.jvmcompress.core.util.Matrices.rows(irg.gradient(ta, sa, new long[] {600}));
        for (int i = 0; i < expected.length; i++) {
            for (int k = 0; k < expected[i].length; k++) {
                assertEquals(expected[i][k], got[i][k], 1e-4 * Math.max(1, Math.abs(expected[i][k])));
            }
        }
    }
}
