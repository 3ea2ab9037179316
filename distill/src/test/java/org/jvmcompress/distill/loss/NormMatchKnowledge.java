package org.jvmcompress.distill.loss;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A knowledge kind that exists only in the tests, registered by one line in the test class path's service file: the
 * student's embedding norm regresses the teacher's, (|s| - |t|)^2 averaged over the batch (any widths). It shows what
 * adding a kind takes; {@link AuxiliaryLossFunctionTest} gradient-checks it with the built-in kinds.
 */
public final class NormMatchKnowledge implements KnowledgeKind {
    @Override
    public String name() {
        return "norm";
    }

    @Override
    public double score(INDArray labels, INDArray preOutput, long[] shape) {
        INDArray d = preOutput.norm2(1).sub(labels.norm2(1).castTo(preOutput.dataType()));
        return d.mul(d).sumNumber().doubleValue() / preOutput.size(0);
    }

    @Override
    public INDArray gradient(INDArray labels, INDArray preOutput, long[] shape) {
        INDArray sNorm = Transforms.max(preOutput.norm2(1), 1e-12, false).reshape(preOutput.size(0), 1);
        INDArray d = sNorm.sub(labels.norm2(1).castTo(preOutput.dataType()).reshape(preOutput.size(0), 1));
        return preOutput.divColumnVector(sNorm).muliColumnVector(d.muli(2)); // batch mean, times the batch size
    }
}
