package org.jvmcompress.distill.loss;

import java.util.Locale;
import org.jvmcompress.core.CompressionException;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Feature- and relation-based knowledge as a DL4J loss for an extra output of the student (a {@code LossLayer}
 * with identity activation on the student layer that carries the knowledge). Its input is the student's
 * activations flattened per example; its "labels" are the teacher's targets for the batch, made by the
 * {@link KnowledgeKind} named {@code kind} (which also computes the loss and its gradient), with the student's
 * [C, H, W] given for feature maps. The loss is multiplied by {@code weight}. The extra output is removed before the student is saved.
 */
public final class AuxiliaryLossFunction extends BatchLossFunction {
    private static final long serialVersionUID = 1L;

    private String kind = "sp";
    private double weight = 1;
    private int channels = 1;
    private int height = 1;
    private int width = 1;
    private boolean sequence;

    /** For DL4J's JSON deserialisation. */
    public AuxiliaryLossFunction() {}

    public AuxiliaryLossFunction(String kind, double weight, int channels, int height, int width) {
        KnowledgeKinds.get(kind); // an unknown kind fails here, naming the known ones
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new CompressionException("loss weight must be finite and non-negative, got " + weight);
        }
        this.kind = kind;
        this.weight = weight;
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    /** The loss of a sequence layer's output, [channels, length] per example (NCW). */
    public static AuxiliaryLossFunction sequence(String kind, double weight, int channels, int length) {
        AuxiliaryLossFunction f = new AuxiliaryLossFunction(kind, weight, channels, 1, length);
        f.sequence = true;
        return f;
    }

    public boolean isSequence() {
        return sequence;
    }

    public void setSequence(boolean sequence) {
        this.sequence = sequence;
    }

    public String getKind() {
        return kind;
    }

    public void setKind(String kind) {
        this.kind = kind;
        this.knowledge = null;
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

    /** The kind, made once per loss function: a kind with state (a discriminator) keeps it across batches. */
    @org.nd4j.shade.jackson.annotation.JsonIgnore
    private transient KnowledgeKind knowledge;

    private KnowledgeKind knowledge() {
        if (knowledge == null) {
            knowledge = KnowledgeKinds.get(kind);
        }
        return knowledge;
    }

    /** The per-example shape of this output's input: [C, L] of a sequence, [C, H, W], or [values] when H, W are 1. */
    private long[] shape(INDArray preOutput) {
        if (sequence) {
            return new long[] {channels, width};
        }
        return height == 1 && width == 1 && channels == 1 ? new long[] {preOutput.length() / preOutput.size(0)}
                : new long[] {channels, height, width};
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        double mean = weight * knowledge().score(labels, preOutput, shape(preOutput));
        return average ? mean : mean * preOutput.size(0);
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        // Relation losses are defined on the whole batch: each example carries an equal share.
        double mean = weight * knowledge().score(labels, preOutput, shape(preOutput));
        return Nd4j.valueArrayOf(new long[] {preOutput.size(0), 1}, mean).castTo(preOutput.dataType());
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray g = knowledge().gradient(labels, preOutput, shape(preOutput)).muli(weight)
                .castTo(preOutput.dataType());
        return preOutput.rank() == 2 ? g : g.reshape('c', preOutput.shape());
    }

    @Override
    public String name() {
        return String.format(Locale.ROOT, "%s*%s", SoftTargetLoss.trim(weight), kind.toUpperCase(Locale.ROOT));
    }
}
