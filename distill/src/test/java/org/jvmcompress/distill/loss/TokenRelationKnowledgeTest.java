package org.jvmcompress.distill.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.util.Matrices;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TokenRelationKnowledgeTest {
    private final TokenRelationKnowledge k = new TokenRelationKnowledge();
    private DataType before;

    @BeforeEach
    void doubles() {
        before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterEach
    void restore() {
        Nd4j.setDefaultDataTypes(before, before);
    }

    /**
     * Worked by hand: one state of width 1 over two positions, [1, 0], relates the first position to itself
     * (softmax(1, 0) = 0.731059, 0.268941) and the second to both equally; a teacher of states [0, 0] relates every
     * position equally, and KL averaged over the two rows is (0.5 ln(0.5 / 0.731059) + 0.5 ln(0.5 / 0.268941)) / 2.
     */
    @Test
    void referenceValues() {
        INDArray student = Nd4j.createFromArray(new double[][] {{1, 0}});
        INDArray rel = k.target(student, new long[] {1, 2});
        assertArrayEquals(new double[] {0.731059, 0.268941, 0.5, 0.5}, rel.toDoubleVector(), 1e-6);
        INDArray teacher = k.target(Nd4j.createFromArray(new double[][] {{0, 0}}), new long[] {1, 2});
        assertArrayEquals(new double[] {0.5, 0.5, 0.5, 0.5}, teacher.toDoubleVector(), 1e-12);
        double expected = (0.5 * Math.log(0.5 / 0.7310585786) + 0.5 * Math.log(0.5 / 0.2689414214)) / 2;
        assertEquals(expected, k.score(teacher, student, new long[] {1, 2}), 1e-9);
        assertEquals(0, k.score(rel, student, new long[] {1, 2}), 1e-12);
    }

    /** Central differences of the batch-mean score against the analytic gradient, widths of student and teacher differing. */
    @Test
    void gradientMatchesFiniteDifferences() {
        Random r = new Random(7);
        long[] shape = {4, 5};
        double[][] s = new double[3][20];
        double[][] t = new double[3][6 * 5];
        for (double[] row : s) {
            for (int i = 0; i < row.length; i++) {
                row[i] = r.nextGaussian();
            }
        }
        for (double[] row : t) {
            for (int i = 0; i < row.length; i++) {
                row[i] = r.nextGaussian();
            }
        }
        INDArray labels = k.target(Matrices.of(t, DataType.DOUBLE), new long[] {6, 5});
        assertEquals(25, labels.size(1));
        double[][] grad = Matrices.rows(k.gradient(labels, Matrices.of(s, DataType.DOUBLE), shape));
        FiniteDifferences.check(x -> k.score(labels, Matrices.of(x, DataType.DOUBLE), shape), grad, s, 1e-5, 1e-6,
                1e-8, "token-rel");
    }

    @Test
    void sequencesOfOtherLengthsAreRefused() {
        CompressionException e = assertThrows(CompressionException.class,
                () -> k.attach("token-rel:enc1:enc1", null, "knowledge0", "enc1", new long[] {8, 16}, new long[] {32, 20}, null));
        assertEquals(true, e.getMessage().contains("same length"), e.getMessage());
        assertThrows(CompressionException.class,
                () -> k.attach("token-rel:fc:fc", null, "knowledge0", "fc", new long[] {8}, new long[] {8}, null));
    }
}
