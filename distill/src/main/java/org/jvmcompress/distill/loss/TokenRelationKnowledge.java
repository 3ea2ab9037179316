package org.jvmcompress.distill.loss;

import java.util.Arrays;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.jvmcompress.core.CompressionException;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
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
        long d = a.size(0);
        long len = a.size(1);
        return Transforms.exp(logRelations(a.reshape('c', 1, d, len)), false).reshape('c', len, len);
    }

    /**
     * log R for a batch of states A [n, d, L]: row-wise log-softmax of A^T A / sqrt(d), [n, L, L]; one batched matrix
     * product and broadcasts, not a loop over examples.
     */
    private static INDArray logRelations(INDArray a) {
        INDArray s = Nd4j.matmul(a, a, null, true, false, false).divi(Math.sqrt(a.size(1)));
        INDArray max = s.max(2);
        Nd4j.getExecutioner().exec(new BroadcastSubOp(s, max, s, 0, 1));
        INDArray lse = Transforms.log(Transforms.exp(s, true).sum(2), false);
        Nd4j.getExecutioner().exec(new BroadcastSubOp(s, lse, s, 0, 1));
        return s;
    }

    /** Student states [n, d, L] from the flattened activations, after checking the shapes against the teacher's. */
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
        return preOutput.reshape('c', n, shape[0], shape[1]);
    }

    @Override
    public INDArray target(INDArray activations, long[] t) {
        long n = activations.size(0);
        INDArray a = activations.reshape('c', n, t[0], t[1]);
        return Transforms.exp(logRelations(a), false).reshape('c', n, t[1] * t[1]);
    }

    @Override
    public double score(INDArray labels, INDArray preOutput, long[] shape) {
        INDArray a = checked(labels, preOutput, shape);
        long n = a.size(0);
        long len = shape[1];
        INDArray rt = labels.reshape('c', n, len, len).castTo(a.dataType());
        INDArray logRt = Transforms.log(Transforms.max(rt, 1e-30, true), false);
        double kl = rt.mul(logRt.subi(logRelations(a))).sumNumber().doubleValue();
        return kl / len / Math.max(1, n);
    }

    @Override
    public INDArray gradient(INDArray labels, INDArray preOutput, long[] shape) {
        // dKL/dS = (R_s - R_t) / L =: G; S = A^T A / sqrt(d), so dA = A (G + G^T) / sqrt(d)
        INDArray a = checked(labels, preOutput, shape);
        long n = a.size(0);
        long d = shape[0];
        long len = shape[1];
        INDArray g = Transforms.exp(logRelations(a), false)
                .subi(labels.reshape('c', n, len, len).castTo(a.dataType())).divi(len);
        INDArray sym = g.add(g.permute(0, 2, 1));
        return Nd4j.matmul(a, sym, null, false, false, false).divi(Math.sqrt(d)).reshape('c', n, d * len);
    }
}
