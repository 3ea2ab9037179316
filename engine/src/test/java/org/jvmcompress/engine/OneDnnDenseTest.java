package org.jvmcompress.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.model.onnx.BertEncoder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The fused oneDNN product against the ND4J one (x W + b, then GELU where asked), for several row counts. */
class OneDnnDenseTest {
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void equalsNd4jForEveryRowCount(boolean gelu) {
        Nd4j.getRandom().setSeed(11);
        BertEncoder.Dense ref = new BertEncoder.Dense(Nd4j.randn(DataType.FLOAT, 48, 72).muli(0.2),
                Nd4j.randn(DataType.FLOAT, 1, 72), gelu);
        OneDnnDense fast = new OneDnnDense(ref);
        for (int rows : new int[] {1, 9, 130, 9}) {
            INDArray x = Nd4j.randn(DataType.FLOAT, rows, 48);
            assertArrayEquals(ref.apply(x).data().asFloat(), fast.apply(x).data().asFloat(), 2e-5f, rows + " rows");

        }
        INDArray wide = Nd4j.randn(DataType.FLOAT, 4, 96);
        INDArray view = wide.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(10, 58));
        assertArrayEquals(ref.apply(view.dup()).data().asFloat(), fast.apply(view).data().asFloat(), 2e-5f);
        assertThrows(CompressionException.class, () -> fast.apply(Nd4j.zeros(DataType.FLOAT, 2, 47)));
    }
}
