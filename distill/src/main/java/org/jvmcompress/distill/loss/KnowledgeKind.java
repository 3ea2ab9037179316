package org.jvmcompress.distill.loss;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * One kind of feature- or relation-based knowledge (FitNets hints, attention maps, relations between the batch's
 * embeddings...): how a student layer is attached to the loss, what the teacher's target is, and the loss with its
 * gradient. Found through {@link java.util.ServiceLoader} ({@code META-INF/services/
 * org.jvmcompress.distill.loss.KnowledgeKind}) by {@link KnowledgeKinds}; a new kind is one class and one line there.
 * Shapes are per example: [C, H, W] for a feature map, [C, L] for a sequence (NCW), [D] for a vector.
 */
public interface KnowledgeKind {
    /** The name {@code --feature KIND:...} and run configs use. */
    String name();

    /**
     * The kind with the options given after its name ({@code NAME[KEY=VALUE,...]}); a kind that keeps state across
     * batches (a discriminator) returns a new instance. By default: no options, the kind itself.
     */
    default KnowledgeKind configure(Configured options) {
        options.allow(java.util.List.of());
        return this;
    }

    /** What the loss reads: a layer of the student (or an adapter added after it) and its per-example shape. */
    record Attachment(String layer, long[] lossInput) {}

    /**
     * Checks the student's and the teacher's activation shapes for this kind and adds to {@code b} what stands between
     * the student layer {@code from} and the loss (an adapter named {@code prefix + "_adapter"}, trained with
     * {@code updater}), if anything. {@code what} names the knowledge in errors.
     */
    default Attachment attach(String what, TransferLearning.GraphBuilder b, String prefix, String from, long[] student,
                              long[] teacher, IUpdater updater) {
        return new Attachment(from, student);
    }

    /** Values per example of the teacher's target for an activation of shape {@code teacher}. */
    default long targetWidth(long[] teacher) {
        return values(teacher);
    }

    /** The teacher's targets [n, targetWidth] from its activations [n, values] of per-example shape {@code teacher}. */
    default INDArray target(INDArray activations, long[] teacher) {
        return activations;
    }

    /**
     * The loss (unweighted) of the student's values {@code preOutput} [n, ...] of per-example shape {@code shape}
     * against the teacher's targets {@code labels}, averaged over the batch.
     */
    double score(INDArray labels, INDArray preOutput, long[] shape);

    /**
     * Its gradient with respect to {@code preOutput}, in DL4J's convention for a loss that is averaged over the
     * batch (multiplied by the batch size), shaped [n, values].
     */
    INDArray gradient(INDArray labels, INDArray preOutput, long[] shape);

    static long values(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** DL4J's flattening of a feature map into a vector, for a layer that reads one ([C, H, W]); null for vectors. */
    static InputPreProcessor flattenIfMap(long[] shape) {
        return shape.length == 3 ? new CnnToFeedForwardPreProcessor(shape[1], shape[2], shape[0]) : null;
    }
}
