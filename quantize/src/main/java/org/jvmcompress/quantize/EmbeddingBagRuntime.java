package org.jvmcompress.quantize;

import java.util.List;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.jvmcompress.core.CompressionException;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Integer inference, in plain Java, of the "embedding bag" text classifier (token embedding, average or max over
 * time, softmax output layer: the reference {@code nlp-student}), which oneDNN has no primitive for. The embedding
 * stays as int8 codes with a scale per row (4x less memory traffic than float rows); each sample's rows are gathered
 * and pooled in float, the pooled vector is quantised to the output layer's calibrated uint8 grid, and the output
 * layer runs as u8 x s8 products with int32 accumulation, rescaled per output channel. It computes what the
 * dequantising runtime computes (to float rounding). Samples of a batch run in parallel.
 */
public final class EmbeddingBagRuntime {
    public static final String NAME = "Java int8 embedding bag (s8 rows, u8 x s8 -> s32 output layer)";

    private final int vocab;
    private final int dim;
    private final byte[] table;
    private final float[] rowScale;
    private final float[] embBias;
    private final boolean max;
    private final double inScale;
    private final int inZero;
    private final int classes;
    private final byte[] head; // [out][in]
    private final float[] headScale;
    private final float[] headBias;

    private EmbeddingBagRuntime(int vocab, int dim, byte[] table, float[] rowScale, float[] embBias, boolean max,
                                FakeQuant in, byte[] head, float[] headScale, float[] headBias) {
        this.vocab = vocab;
        this.dim = dim;
        this.table = table;
        this.rowScale = rowScale;
        this.embBias = embBias;
        this.max = max;
        this.inScale = in.scale();
        this.inZero = in.zeroPoint();
        this.classes = headBias.length;
        this.head = head;
        this.headScale = headScale;
        this.headBias = headBias;
    }

    /** The runtime for a quantised embedding-bag model, or an error naming what it does not support. */
    public static EmbeddingBagRuntime compile(QuantizedModel m) {
        ComputationGraphConfiguration c = m.conf();
        List<String> in = c.getNetworkInputs();
        if (in.size() != 1 || c.getVertices().size() != 3) {
            throw new CompressionException("embedding-bag runtime: the network is not embedding, pooling, output");
        }
        String emb = only(c, in.get(0));
        String pool = only(c, emb);
        String out = only(c, pool);
        Layer le = GraphSurgery.layerOf(c, emb);
        Layer lp = GraphSurgery.layerOf(c, pool);
        Layer lo = GraphSurgery.layerOf(c, out);
        if (!(le instanceof EmbeddingSequenceLayer) || !(lp instanceof GlobalPoolingLayer gp)
                || !(lo instanceof OutputLayer ol)) {
            throw new CompressionException("embedding-bag runtime: the network is not embedding, pooling, output");
        }
        if (gp.getPoolingType() != PoolingType.AVG && gp.getPoolingType() != PoolingType.MAX) {
            throw new CompressionException("embedding-bag runtime: layer " + pool + ": pooling "
                    + gp.getPoolingType() + " (average or max only)");
        }
        if (!(ol.getActivationFn() instanceof ActivationSoftmax)) {
            throw new CompressionException("embedding-bag runtime: layer " + out + ": an output layer without softmax");
        }
        FakeQuant fq = m.activations().get(out);
        if (fq == null) {
            throw new CompressionException("embedding-bag runtime: layer " + out + ": its input is not quantised");
        }
        QTensor w = int8(m, emb);
        int vocab = (int) w.shape()[0];
        int dim = (int) w.shape()[1];
        if (w.axis() > 0) {
            throw new CompressionException("embedding-bag runtime: layer " + emb + ": scales on axis " + w.axis());
        }
        float[] rowScale = new float[vocab];
        for (int r = 0; r < vocab; r++) {
            rowScale[r] = w.scales()[w.axis() < 0 ? 0 : r];
        }
        StoredTensor eb = m.params().get(emb).get("b");
        float[] embBias = eb == null ? new float[dim] : eb.values();
        QTensor h = int8(m, out);
        int nIn = (int) h.shape()[0];
        int nOut = (int) h.shape()[1];
        if (nIn != dim) {
            throw new CompressionException("embedding-bag runtime: layer " + out + " takes " + nIn + " inputs, the"
                    + " embedding gives " + dim);
        }
        byte[] head = new byte[nIn * nOut];
        float[] headScale = new float[nOut];
        for (int o = 0; o < nOut; o++) {
            headScale[o] = h.scales()[h.axis() < 0 ? 0 : o];
            for (int i = 0; i < nIn; i++) {
                head[o * nIn + i] = (byte) h.code((long) i * nOut + o);
            }
        }
        if (h.axis() == 0) {
            throw new CompressionException("embedding-bag runtime: layer " + out + ": scales per input");
        }
        StoredTensor hb = m.params().get(out).get("b");
        float[] headBias = hb == null ? new float[nOut] : hb.values();
        return new EmbeddingBagRuntime(vocab, dim, w.data(), rowScale, embBias, gp.getPoolingType() == PoolingType.MAX,
                fq, head, headScale, headBias);
    }

    private static String only(ComputationGraphConfiguration c, String from) {
        String next = null;
        for (var e : c.getVertexInputs().entrySet()) {
            if (e.getValue().contains(from)) {
                if (next != null || e.getValue().size() != 1) {
                    throw new CompressionException("embedding-bag runtime: the network is not a chain");
                }
                next = e.getKey();
            }
        }
        if (next == null) {
            throw new CompressionException("embedding-bag runtime: nothing follows " + from);
        }
        return next;
    }

    private static QTensor int8(QuantizedModel m, String layer) {
        StoredTensor t = m.params().get(layer).get("W");
        if (t == null || t.q() == null || t.q().bits() != 8) {
            throw new CompressionException("embedding-bag runtime: layer " + layer + ": weights are not int8");
        }
        for (int z : t.q().zeroPoints()) {
            if (z != 0) {
                throw new CompressionException("embedding-bag runtime: layer " + layer + ": asymmetric weights");
            }
        }
        return t.q();
    }

    /** Class probabilities for a batch of token ids [n, length]. */
    public INDArray output(INDArray features) {
        int n = (int) features.size(0);
        float[] ids = org.jvmcompress.core.util.Matrices.floats(features);
        int len = ids.length / n;
        float[] probs = new float[n * classes];
        IntStream.range(0, n).parallel().forEach(b -> sample(ids, b * len, len, probs, b * classes));
        return Nd4j.create(probs, new long[] {n, classes}, 'c');
    }

    private void sample(float[] ids, int from, int len, float[] probs, int at) {
        float[] acc = new float[dim];
        if (max) {
            java.util.Arrays.fill(acc, Float.NEGATIVE_INFINITY);
        }
        for (int t = 0; t < len; t++) {
            int id = (int) ids[from + t];
            if (id < 0 || id >= vocab) {
                throw new CompressionException("token id " + id + " outside the vocabulary of " + vocab);
            }
            float s = rowScale[id];
            int row = id * dim;
            if (max) {
                for (int d = 0; d < dim; d++) {
                    acc[d] = Math.max(acc[d], s * table[row + d]);
                }
            } else {
                for (int d = 0; d < dim; d++) {
                    acc[d] += s * table[row + d];
                }
            }
        }
        int[] q = new int[dim];
        for (int d = 0; d < dim; d++) {
            double v = (max ? acc[d] : acc[d] / len) + embBias[d];
            q[d] = (int) Math.max(0, Math.min(255, Math.round(v / inScale) + inZero)) - inZero;
        }
        double top = Double.NEGATIVE_INFINITY;
        double[] logit = new double[classes];
        for (int o = 0; o < classes; o++) {
            int sum = 0;
            int row = o * dim;
            for (int d = 0; d < dim; d++) {
                sum += q[d] * head[row + d];
            }
            logit[o] = sum * inScale * headScale[o] + headBias[o];
            top = Math.max(top, logit[o]);
        }
        double total = 0;
        for (int o = 0; o < classes; o++) {
            logit[o] = Math.exp(logit[o] - top);
            total += logit[o];
        }
        for (int o = 0; o < classes; o++) {
            probs[at + o] = (float) (logit[o] / total);
        }
    }
}
