package org.jvmcompress.distill.loss;

import java.util.Arrays;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.jvmcompress.core.CompressionException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * {@code at} (attention transfer, Zagoruyko and Komodakis 2017): the L2-normalised spatial map of squared
 * activations summed over channels, student against teacher, squared distance averaged over the batch. The two feature
 * maps must have the same height and width. On ND4J's arrays; {@link AttentionTransferLoss} is the reference in
 * doubles.
 */
public final class AttentionKnowledge implements KnowledgeKind {
    @Override
    public String name() {
        return "at";
    }

    @Override
    public Attachment attach(String what, TransferLearning.GraphBuilder b, String prefix, String from, long[] s,
                             long[] t, IUpdater updater) {
        if (s.length != 3 || t.length != 3 || s[1] != t[1] || s[2] != t[2]) {
            throw new CompressionException("attention transfer " + what + " needs two convolutional activations of"
                    + " the same height and width; student " + Arrays.toString(s) + ", teacher " + Arrays.toString(t));
        }
        return new Attachment(from, s);
    }

    @Override
    public long targetWidth(long[] t) {
        return t[1] * t[2];
    }

    @Override
    public INDArray target(INDArray activations, long[] t) {
        double[][] rows = org.jvmcompress.core.util.Matrices.rows(activations);
        double[][] maps = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            maps[i] = AttentionTransferLoss.map(rows[i], (int) t[0], (int) (t[1] * t[2]));
        }
        return org.jvmcompress.core.util.Matrices.of(maps, DataType.FLOAT);
    }

    /** The student's activations as [n, C, HW], its normalised map q [n, HW], the map's norm [n, 1], q minus t. */
    private static INDArray[] maps(INDArray labels, INDArray preOutput, long[] shape) {
        long n = preOutput.size(0);
        long channels = shape[0];
        long hw = shape.length == 3 ? shape[1] * shape[2] : 1;
        if (preOutput.length() != n * channels * hw) {
            throw new CompressionException("activation of " + preOutput.length() / Math.max(1, n) + " values is not "
                    + channels + " x " + hw);
        }
        if (labels.length() != n * hw) {
            throw new CompressionException("teacher attention map has " + labels.length() / Math.max(1, labels.size(0))
                    + " values; the student's has " + hw + " (the two feature maps must have the same height and width)");
        }
        INDArray a = preOutput.reshape('c', n, channels, hw);
        INDArray raw = a.mul(a).sum(1); // [n, hw]
        INDArray norm = org.nd4j.linalg.ops.transforms.Transforms.max(raw.norm2(1), 1e-12, false).reshape(n, 1);
        INDArray q = raw.diviColumnVector(norm);
        INDArray d = q.sub(labels.reshape('c', n, hw).castTo(preOutput.dataType()));
        return new INDArray[] {a, q, norm, d};
    }

    @Override
    public double score(INDArray labels, INDArray preOutput, long[] shape) {
        INDArray d = maps(labels, preOutput, shape)[3];
        return d.mul(d).sumNumber().doubleValue() / Math.max(1, d.size(0));
    }

    @Override
    public INDArray gradient(INDArray labels, INDArray preOutput, long[] shape) {
        // d/dq = 2 (q - t); through the normalisation: (dq - q <q, dq>) / norm; through the squares: 2 a
        INDArray[] at = maps(labels, preOutput, shape);
        INDArray q = at[1];
        INDArray dq = at[3].muli(2);
        INDArray proj = q.mul(dq).sum(1).reshape(q.size(0), 1);
        INDArray dRaw = dq.subi(q.mulColumnVector(proj)).diviColumnVector(at[2]);
        INDArray g = at[0].mul(2);
        Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp(g, dRaw, g, 0, 2));
        return g.reshape('c', preOutput.size(0), preOutput.length() / preOutput.size(0));
    }
}
