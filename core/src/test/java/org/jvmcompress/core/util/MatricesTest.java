package org.jvmcompress.core.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class MatricesTest {
    @Test
    void bulkCopiesMatchElementwiseReadsForPlainViewsTransposesAndOtherTypes() {
        float[] expected = new float[24];
        for (int i = 0; i < 24; i++) {
            expected[i] = i + 1;
        }
        INDArray a = Nd4j.create(expected, new long[] {2, 3, 4}, 'c');
        assertArrayEquals(expected, Matrices.floats(a));
        // a view with an offset into its parent's buffer: only its own values
        INDArray row = a.get(NDArrayIndex.point(1), NDArrayIndex.all(), NDArrayIndex.all());
        assertArrayEquals(java.util.Arrays.copyOfRange(expected, 12, 24), Matrices.floats(row));
        // 'f' order and a transpose come out row-major
        INDArray m = Nd4j.create(new float[] {1, 2, 3, 4, 5, 6}, new long[] {2, 3}, 'c');
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, Matrices.floats(m.transpose()));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, Matrices.floats(m.dup('f')));
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, Matrices.doubles(m.castTo(DataType.INT32)), 0);
        assertArrayEquals(new double[] {4, 5, 6}, Matrices.rows(m)[1], 0);
        assertArrayEquals(new float[] {2, 5}, new float[] {Matrices.floatRows(m.transpose())[1][0],
                Matrices.floatRows(m.transpose())[1][1]});
    }
}
