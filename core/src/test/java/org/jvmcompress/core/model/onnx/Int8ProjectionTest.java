package org.jvmcompress.core.model.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The int8 projection's reference arithmetic against exact integer sums written out here. */
class Int8ProjectionTest {
    /** ONNX DynamicQuantizeLinear then MatMulInteger, scaled back: with long sums, as the operators define them. */
    static float[][] exact(float[][] x, BertEncoder.Int8 p) {
        double lo = 0;
        double hi = 0;
        for (float[] r : x) {
            for (float v : r) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        float s = (float) ((hi - lo) / 255);
        long zp = (long) Math.max(0, Math.min(255, Math.rint(-lo / s)));
        float[][] y = new float[x.length][p.out()];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < p.out(); j++) {
                long acc = 0;
                for (int k = 0; k < p.in(); k++) {
                    long q = Math.max(0, Math.min(255, (long) Math.rint(x[i][k] * (1f / s)) + zp));
                    acc += (q - zp) * p.codes()[k * p.out() + j];
                }
                y[i][j] = acc * (s * p.scales()[j]) + p.b().getFloat(j);
            }
        }
        return y;
    }

    @Test
    void referenceEqualsExactIntegerArithmetic() {
        Random rnd = new Random(3);
        int n = 40;
        int in = 384;
        int out = 20;
        float[][] x = new float[n][in];
        for (float[] r : x) {
            for (int k = 0; k < in; k++) {
                r[k] = (float) (rnd.nextGaussian() * 2 + 0.3);
            }
        }
        INDArray w = Nd4j.randn(DataType.FLOAT, in, out).muli(0.1);
        BertEncoder.Int8 p = BertEncoder.Int8.quantize(w, Nd4j.randn(DataType.FLOAT, 1, out), false);
        float[][] want = exact(x, p);
        INDArray got = p.apply(Nd4j.createFromArray(x));
        for (int i = 0; i < n; i++) {
            assertArrayEquals(want[i], got.getRow(i).toFloatVector(), 1e-3f);
        }
        // per-column symmetric codes: each column's largest weight is +-127
        for (int j = 0; j < out; j++) {
            int max = 0;
            for (int k = 0; k < in; k++) {
                max = Math.max(max, Math.abs(p.codes()[k * out + j]));
            }
            assertEquals(127, max);
        }
    }
}
