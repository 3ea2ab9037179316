package org.jvmcompress.core.runtime;

import java.util.Collection;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A model whose intermediate results can be read by name on a batch (feature-based distillation from a teacher that
 * is not a DL4J network: an imported ONNX graph). {@link #outputName()} names the class probabilities.
 */
public interface NamedActivations {
    /** The named results on {@code x} (each [batch, ...]); at least {@code names} and the output. */
    Map<String, INDArray> activations(INDArray x, Collection<String> names);

    String outputName();

    /** The number of parameters (weights and biases) of the model. */
    long numParams();

    /**
     * Whether each call's results are new arrays that only the caller holds, so that it may free their native memory
     * once it has read them (a DL4J network's activations, the float runtime's results); false when the model may
     * keep or reuse them.
     */
    default boolean freshResults() {
        return false;
    }
}
