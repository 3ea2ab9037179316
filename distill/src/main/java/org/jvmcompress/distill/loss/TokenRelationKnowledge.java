package org.jvmcompress.distill.loss;

import java.util.Arrays;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.jvmcompress.core.CompressionException;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * {@code token-rel}: how a sequence layer's positions relate to each other, student against teacher. Per example,
 * with the layer's states H [L, d] (one row per position), R = softmax over each row of H H^T / sqrt(d); the loss is
 * KL(R_teacher || R_student) averaged over the L rows and the batch. This is MiniLM's value-relation transfer (Wang
 * et al. 2020) taken on the states a layer outputs rather than on an attention head's values, so that it applies to
 * any sequence encoder (convolution, LSTM, transformer block) and needs no access to the inside of a layer; the
 * widths may differ, the lengths must be equal. Padding positions take part like any other (both networks see the
 * same padded input).
 */
public final class TokenRelationKnowledge implements KnowledgeKind {
    @Override
    public String name() {
        return "token-rel";
    }

    @Override
    public Attachment attach(String what, TransferLearning.GraphBuilder b, String prefix, String from, long[] s,
                             long[] t, IUpdater updater) {
        if (s.length != 2 || t.length != 2 || s[1] != t[1]) {
            throw new CompressionException("token relations " + what + " need two sequence activations [width, length]"
                    + " of the same length; student " + Arrays.toString(s) + ", teacher " + Arrays.toString(t));
        }
        return new Attachment(from, s);
    }

    @Override
    public long targetWidth(long[] t) {
        return t[1] * t[1];
    }

    /** The relation R [L, L] of one example's states A [d, L] (NCW). */
    static INDArray relation(INDArray a) {
        return Transforms.softmax(scaled(a), false);
    }

    private static INDArray scaled(INDArray a) {
        return a.transpose().mmul(a).divi(Math.sqrt(a.size(0)));
    }

    /** Row-wise log-softmax of a [L, L] matrix, stable. */
    private static INDArray logSoftmax(INDArray s) {
        INDArray max = s.max(1).reshape(s.size(0), 1);
        INDArray shifted = s.subColumnVector(max);
        INDArray lse = Transforms.log(Transforms.exp(shifted, true).sum(1), false).reshape(s.size(0), 1);
        return shifted.subiColumnVector(lse);
    }

    private static INDArray example(INDArray batch, long i, long d, long len) {
        return batch.get(NDArrayIndex.point(i), NDArrayIndex.all()).reshape('c', d, len);
    }

    @Override
    public INDArray target(INDArray activations, long[] t) {
        long n = activations.size(0);
        long len = t[1];
        INDArray flat = activations.reshape('c', n, activations.length() / n);
        INDArray out = Nd4j.create(activations.dataType(), n, len * len);
        for (long i = 0; i < n; i++) {
            out.putRow(i, relation(example(flat, i, t[0], len)).ravel());
        }
        return out;
    }

    private static INDArray checked(INDArray labels, INDArray preOutput, long[] shape) {
        long n = preOutput.size(0);
        if (shape.length != 2 || preOutput.length() != n * shape[0] * shape[1]) {
            throw new CompressionException("token relations: the student activation of " + preOutput.length()
                    / Math.max(1, n) + " values is not a sequence of shape " + Arrays.toString(shape));
        }
        if (labels.length() != n * shape[1] * shape[1]) {
            throw new CompressionException("token relations: the teacher's relation has " + labels.length()
                    / Math.max(1, labels.size(0)) + " values, the student's " + shape[1] * shape[1]
                    + " (the two sequences must have the same length)");
        }
        return preOutput.reshape('c', n, preOutput.length() / n);
    }

    @Override
    public double score(INDArray labels, INDArray preOutput, long[] shape) {
        INDArray flat = checked(labels, preOutput, shape);
        long n = flat.size(0);
        long len = shape[1];
        double sum = 0;
        for (long i = 0; i < n; i++) {
            INDArray rt = labels.getRow(i).reshape('c', len, len).castTo(flat.dataType());
            INDArray logRs = logSoftmax(scaled(example(flat, i, shape[0], len)));
            INDArray logRt = Transforms.log(Transforms.max(rt, 1e-30, true), false);
            sum += rt.mul(logRt.subi(logRs)).sumNumber().doubleValue() / len;
        }
        return sum / Math.max(1, n);
    }

    @Override
    public INDArray gradient(INDArray labels, INDArray preOutput, long[] shape) {
        // dKL/dS = (R_s - R_t) / L =: G; S = A^T A / sqrt(d), so dA = A (G + G^T) / sqrt(d)
        INDArray flat = checked(labels, preOutput, shape);
        long n = flat.size(0);
        long d = shape[0];
        long len = shape[1];
        INDArray g = Nd4j.create(flat.dataType(), n, d * len);
        for (long i = 0; i < n; i++) {
            INDArray a = example(flat, i, d, len);
            INDArray gs = relation(a).subi(labels.getRow(i).reshape('c', len, len).castTo(flat.dataType())).divi(len);
            INDArray sym = gs.add(gs.transpose());
            g.putRow(i, a.mmul(sym).divi(Math.sqrt(d)).ravel());
        }
        return g;
    }
}
