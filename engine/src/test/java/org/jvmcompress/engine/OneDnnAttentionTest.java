package org.jvmcompress.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;
import org.jvmcompress.core.model.onnx.BertEncoder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** oneDNN's attention against the ND4J one, with and without padding, for several batch shapes. */
class OneDnnAttentionTest {
    @Test
    void equalsNd4jWithAndWithoutPadding() {
        Nd4j.getRandom().setSeed(17);
        int heads = 4;
        int width = 32;
        BertEncoder.NdAttention ref = new BertEncoder.NdAttention(heads, width);
        OneDnnAttention fast = new OneDnnAttention(heads, width);
        for (int[] shape : new int[][] {{1, 7}, {3, 5}, {2, 19}, {3, 5}}) {
            int b = shape[0];
            int len = shape[1];
            INDArray qkv = Nd4j.randn(DataType.FLOAT, (long) b * len, 3L * width).muli(2);
            assertArrayEquals(ref.apply(qkv, b, len, null).data().asFloat(),
                    fast.apply(qkv, b, len, null).data().asFloat(), 1e-5f, b + "x" + len);
            float[] bias = new float[b * len];
            for (int i = 0; i < b; i++) {
                for (int t = len - i; t < len; t++) {
                    bias[i * len + t] = -1e9f; // row i has its last i positions padded
                }
            }
            INDArray mask = Nd4j.create(bias, new long[] {b, len}, 'c');
            assertArrayEquals(ref.apply(qkv, b, len, mask).data().asFloat(),
                    fast.apply(qkv, b, len, mask).data().asFloat(), 1e-5f, b + "x" + len + " padded");
        }
    }
}
