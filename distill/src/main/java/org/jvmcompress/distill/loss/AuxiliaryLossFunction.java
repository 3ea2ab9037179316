package org.jvmcompress.distill.loss;

import java.util.List;
import java.util.Locale;
import org.jvmcompress.core.CompressionException;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Feature- and relation-based knowledge as a DL4J loss for an extra output of the student (a {@code LossLayer}
 * with identity activation on the student layer that carries the knowledge). Its input is the student's
 * activations flattened per example; its "labels" are the teacher's targets for the batch: the teacher's
 * activations themselves ({@code hint}, FitNets: mean squared error, after the student's adapter layer), attention
 * maps ({@code at}, with the student's [C, H, W] given) or embeddings ({@code rkd-d}, {@code rkd-a}, {@code sp}).
 * The loss is multiplied by {@code weight}. The extra output is removed before the student is saved.
 */
public final class AuxiliaryLossFunction extends BatchLossFunction {
    private static final long serialVersionUID = 1L;
    public static final List<String> KINDS = List.of("hint", "at", "rkd-d", "rkd-a", "sp");

    private String kind = "sp";
    private double weight = 1;
    private int channels = 1;
    private int height = 1;
    private int width = 1;

    /** For DL4J's JSON deserialisation. */
    public AuxiliaryLossFunction() {}

    public AuxiliaryLossFunction(String kind, double weight, int channels, int height, int width) {
        if (!KINDS.contains(kind)) {
            throw new CompressionException("unknown feature/relation loss '" + kind + "'; known: " + String.join(", ", KINDS));
        }
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new CompressionException("loss weight must be finite and non-negative, got " + weight);
        }
        this.kind = kind;
        this.weight = weight;
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    public String getKind() {
        return kind;
    }

    public void setKind(String kind) {
        this.kind = kind;
    }

    public double getWeight() {
        return weight;
    }

    public void setWeight(double weight) {
        this.weight = weight;
    }

    public int getChannels() {
        return channels;
    }

    public void setChannels(int channels) {
        this.channels = channels;
    }

    public int getHeight() {
        return height;
    }

    public void setHeight(int height) {
        this.height = height;
    }

    public int getWidth() {
        return width;
    }

    public void setWidth(int width) {
        this.width = width;
    }

    private double score(double[][] s, double[][] t) {
        return switch (kind) {
            case "hint" -> HintLoss.score(s, t);
            case "at" -> new AttentionTransferLoss(channels, height, width).score(s, t);
            case "rkd-d" -> new RkdDistanceLoss().score(s, t);
            case "rkd-a" -> new RkdAngleLoss().score(s, t);
            case "sp" -> new SimilarityPreservingLoss().score(s, t);
            default -> throw new IllegalStateException(kind);
        };
    }

    private double[][] gradient(double[][] s, double[][] t) {
        return switch (kind) {
            case "hint" -> HintLoss.gradient(s, t);
            case "at" -> new AttentionTransferLoss(channels, height, width).gradient(s, t);
            case "rkd-d" -> new RkdDistanceLoss().gradient(s, t);
            case "rkd-a" -> new RkdAngleLoss().gradient(s, t);
            case "sp" -> new SimilarityPreservingLoss().gradient(s, t);
            default -> throw new IllegalStateException(kind);
        };
    }

    private static double[][] rows(INDArray a) {
        return org.jvmcompress.core.util.Matrices.rows(a);
    }

    /**
     * A hint's difference, student minus teacher, [n, values] in the student's type: on ND4J's arrays, without the
     * Java copies the other losses make (a hint on a feature map is megabytes a batch).
     */
    private static INDArray hintDifference(INDArray labels, INDArray preOutput) {
        long n = preOutput.size(0);
        if (labels.length() != preOutput.length()) {
            throw new CompressionException("hint: the adapted student activation has " + preOutput.length() / Math.max(1, n)
                    + " values per example, the teacher's " + labels.length() / Math.max(1, labels.size(0)));
        }
        return preOutput.reshape('c', n, preOutput.length() / n)
                .sub(labels.reshape('c', n, labels.length() / n).castTo(preOutput.dataType()));
    }

    /**
     * Attention transfer on ND4J's arrays ({@link AttentionTransferLoss} in Java doubles is the reference): the
     * student's activations as [n, C, HW], its normalised map q [n, HW], the map's norm [n, 1] and q minus the
     * teacher's map.
     */
    private INDArray[] attention(INDArray labels, INDArray preOutput) {
        long n = preOutput.size(0);
        int hw = height * width;
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
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        if (kind.equals("at")) { // the squared distance of the maps, averaged over the batch
            INDArray d = attention(labels, preOutput)[3];
            double sum = d.mul(d).sumNumber().doubleValue();
            return weight * (average ? sum / Math.max(1, d.size(0)) : sum);
        }
        if (kind.equals("hint")) { // the mean over values of the squared difference, averaged over the batch
            INDArray d = hintDifference(labels, preOutput);
            double sum = d.muli(d).sumNumber().doubleValue() / d.size(1);
            return weight * (average ? sum / Math.max(1, d.size(0)) : sum);
        }
        double mean = weight * score(rows(preOutput), rows(labels));
        return average ? mean : mean * preOutput.size(0);
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        // Relation losses are defined on the whole batch: each example carries an equal share.
        double mean = weight * score(rows(preOutput), rows(labels));
        return Nd4j.valueArrayOf(new long[] {preOutput.size(0), 1}, mean).castTo(preOutput.dataType());
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        if (kind.equals("hint")) { // 2 (s - t) / values, weighted
            INDArray d = hintDifference(labels, preOutput);
            d.muli(2 * weight / d.size(1));
            return preOutput.rank() == 2 ? d : d.reshape('c', preOutput.shape());
        }
        if (kind.equals("at")) {
            // d/dq = 2 (q - t); through the normalisation: (dq - q <q, dq>) / norm; through the squares: 2 a
            INDArray[] at = attention(labels, preOutput);
            INDArray q = at[1];
            INDArray dq = at[3].muli(2);
            INDArray proj = q.mul(dq).sum(1).reshape(q.size(0), 1);
            INDArray dRaw = dq.subi(q.mulColumnVector(proj)).diviColumnVector(at[2]);
            INDArray g = at[0].mul(2 * weight);
            Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp(g, dRaw, g, 0, 2));
            return g.reshape('c', preOutput.shape());
        }
        double[][] g = gradient(rows(preOutput), rows(labels));
        INDArray out = org.jvmcompress.core.util.Matrices.of(g, DataType.DOUBLE).muli(weight)
                .castTo(preOutput.dataType());
        return preOutput.rank() == 2 ? out : out.reshape('c', preOutput.shape());
    }

    @Override
    public String name() {
        return String.format(Locale.ROOT, "%s*%s", SoftTargetLoss.trim(weight), kind.toUpperCase(Locale.ROOT));
    }
}
