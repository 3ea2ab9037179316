package org.jvmcompress.core.model;

import org.jvmcompress.core.runtime.NamedActivations;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.runtime.Engines;
import org.jvmcompress.core.runtime.InferenceRuntime;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A model ready to run: the network, its sidecar (null when the file came without one), and where it came from.
 * {@code runtime}, when not null, is what computes the class probabilities instead of the DL4J network (an integer
 * runtime for a quantised file, an engine's float runtime for a DL4J network it can run); the network still describes
 * the model (parameters, shapes).
 */
public record LoadedModel(ComputationGraph graph, ModelInfo info, Path path, String format,
                          UnaryOperator<INDArray> runtime, String runtimeName) {
    /** A DL4J network, run by an engine when one runs it ({@link Engines#inference}). */
    public LoadedModel(ComputationGraph graph, ModelInfo info, Path path, String format) {
        this(graph, info, path, format, Engines.inference(graph));
    }

    private LoadedModel(ComputationGraph graph, ModelInfo info, Path path, String format, InferenceRuntime fast) {
        this(graph, info, path, format, fast, fast == null ? null : fast.toString());
    }

    /** The same model with another sidecar (one made from its data, for a model that came without one). */
    public LoadedModel withInfo(ModelInfo other) {
        return other == info ? this : new LoadedModel(graph, other, path, format, runtime, runtimeName);
    }

    /** Class probabilities for a batch of inputs. */
    public INDArray infer(INDArray features) {
        return runtime != null ? runtime.apply(features) : Networks.classOutput(graph, features);
    }

    /** The number of parameters: of the DL4J network, or of the model behind the runtime (an imported graph). */
    public long numParams() {
        if (graph != null) {
            return Networks.trainableParams(graph);
        }
        return runtime instanceof NamedActivations n ? n.numParams() : 0;
    }

    /** The inference function (the runtime, or the network's class output). */
    public UnaryOperator<INDArray> inference() {
        return this::infer;
    }
}
