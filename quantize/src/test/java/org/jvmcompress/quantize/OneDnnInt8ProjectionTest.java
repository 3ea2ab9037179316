package org.jvmcompress.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.model.onnx.BertEncoder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** oneDNN's integer product against the reference arithmetic of the same int8 projection. */
class OneDnnInt8ProjectionTest {
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void equalsTheReferenceForEveryRowCount(boolean gelu) {
        Nd4j.getRandom().setSeed(5);
        BertEncoder.Int8 ref = BertEncoder.Int8.quantize(Nd4j.randn(DataType.FLOAT, 96, 40).muli(0.05),
                Nd4j.randn(DataType.FLOAT, 1, 40), gelu);
        OneDnnInt8Projection fast = new OneDnnInt8Projection(ref);
        // rows of different counts through one product primitive; inputs with and without negative values. Equal
        // but where an input lies on or within a float rounding of a tie: the reference and small inputs (quantised in
        // Java) round x / scale and add the zero point; large inputs go through oneDNN's reorder, which rounds after
        // adding it. Each such input lands one step apart and moves its row's outputs by at most one step times the
        // column's largest weight; a row of thousands of inputs can hold a few.
        int off = 0;
        int total = 0;
        for (int rows : new int[] {1, 7, 64, 2800, 7}) { // 2800 x 96 inputs: over the Java pass, through the reorder
            for (double shift : new double[] {0.4, 3.0}) {
                INDArray x = Nd4j.randn(DataType.FLOAT, rows, 96).muli(1.7).addi(shift);
                float step = BertEncoder.Int8.inputGrid(x)[0];
                float[][] want = ref.apply(x).toFloatMatrix();
                float[][] got = fast.apply(x).toFloatMatrix();
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < 40; j++) {
                        double d = Math.abs(want[i][j] - got[i][j]);
                        assertTrue(d <= 1e-4 + 3 * step * ref.scales()[j] * 127, rows + " rows, shift " + shift + ": "
                                + d);
                        off += d > 1e-4 ? 1 : 0;
                        total++;
                    }
                }
            }
        }
        assertTrue(off * 50 <= total, off + " of " + total + " outputs differ");
        // a view that is not contiguous is copied first
        INDArray wide = Nd4j.randn(DataType.FLOAT, 5, 192);
        INDArray view = wide.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 96));
        assertArrayEquals(ref.apply(view.dup()).data().asFloat(), fast.apply(view).data().asFloat(), 1e-4f);
        assertThrows(CompressionException.class, () -> fast.apply(Nd4j.zeros(DataType.FLOAT, 3, 95)));
    }
}
