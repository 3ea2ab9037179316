package org.jvmcompress.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;
import org.jvmcompress.core.model.onnx.BertEncoder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** oneDNN's layer normalisation against the ND4J one, with BERT's tiny epsilon, for several row counts. */
class OneDnnNormTest {
    @Test
    void equalsNd4jForEveryRowCount() {
        Nd4j.getRandom().setSeed(13);
        BertEncoder.LayerNorm ref = new BertEncoder.LayerNorm(Nd4j.randn(DataType.FLOAT, 64).addi(1),
                Nd4j.randn(DataType.FLOAT, 64), 1e-12);
        OneDnnNorm fast = new OneDnnNorm(ref);
        for (int rows : new int[] {1, 5, 300, 5}) {
            INDArray x = Nd4j.randn(DataType.FLOAT, rows, 64).muli(3).addi(0.5);
            float[] want = ref.apply(x.dup()).data().asFloat();
            assertArrayEquals(want, fast.apply(x).data().asFloat(), 1e-4f, rows + " rows");
        }
    }
}
