package org.jvmcompress.distill.loss;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.jvmcompress.core.util.Matrices;

/**
 * {@code adv}: adversarial distillation on features (e.g. the penultimate layer; after Wang et al. 2018, "KDGAN", and
 * Xu et al. 2018): a discriminator learns to tell the teacher's activations from the student's, and the student
 * (through a learned dense adapter where the widths differ) is trained to fool it. The loss is the generator loss
 * {@code mean softplus(-D(s))}. Options {@code adv[hidden=64,steps=1,lr=2e-4,seed=1]} ({@link Adversary}); each
 * network's loss function owns its discriminator.
 */
public final class AdversarialKnowledge implements KnowledgeKind {
    private final Adversary adversary;

    /** The registered kind (default options). */
    public AdversarialKnowledge() {
        this(new Configured("adv", java.util.Map.of()));
    }

    private AdversarialKnowledge(Configured c) {
        adversary = new Adversary(c.allow(Adversary.OPTIONS));
    }

    @Override
    public String name() {
        return "adv";
    }

    @Override
    public KnowledgeKind configure(Configured options) {
        return new AdversarialKnowledge(options);
    }

    @Override
    public Attachment attach(String what, TransferLearning.GraphBuilder b, String prefix, String from, long[] s,
                             long[] t, IUpdater updater) {
        long sw = KnowledgeKind.values(s);
        long tw = KnowledgeKind.values(t);
        if (sw == tw && Arrays.equals(s, t)) {
            return new Attachment(from, s);
        }
        String adapter = prefix + "_adapter";
        b.addLayer(adapter, new DenseLayer.Builder().nIn(sw).nOut(tw).activation(Activation.IDENTITY)
                .weightInit(WeightInit.XAVIER).updater(updater.clone()).build(), KnowledgeKind.flattenIfMap(s), from);
        return new Attachment(adapter, new long[] {tw});
    }

    @Override
    public double score(INDArray labels, INDArray preOutput, long[] shape) {
        return adversary.score(Matrices.rows(flat(preOutput)));
    }

    @Override
    public INDArray gradient(INDArray labels, INDArray preOutput, long[] shape) {
        return Matrices.of(adversary.gradient(Matrices.rows(flat(preOutput)), Matrices.rows(flat(labels))),
                DataType.DOUBLE);
    }

    private static INDArray flat(INDArray a) {
        return a.reshape('c', a.size(0), a.length() / a.size(0));
    }

    /** The discriminator's loss on its last batch (NaN before any). */
    double discriminatorLoss() {
        return adversary.discriminatorLoss();
    }

    @Override
    public String toString() {
        return "ADV(" + adversary.describe() + ")";
    }
}
