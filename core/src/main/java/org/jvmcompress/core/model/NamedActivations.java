package org.jvmcompress.core.model;

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
}
