package org.jvmcompress.core.runtime;

import java.util.function.UnaryOperator;
import org.jvmcompress.core.runtime.NamedActivations;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs a DL4J network's inference outside DL4J (given by an {@link Engine}): class probabilities for a batch, and
 * the activations of the layers it computes by name. Holds native memory until closed.
 */
public interface InferenceRuntime extends UnaryOperator<INDArray>, NamedActivations, AutoCloseable {
    /** Whether {@link #activations} can give the named vertex's output (a layer folded into another cannot). */
    boolean hasActivation(String name);

    @Override
    void close();
}
