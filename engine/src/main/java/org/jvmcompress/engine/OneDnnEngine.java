package org.jvmcompress.engine;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.runtime.Backend;
import org.jvmcompress.core.runtime.Engine;
import org.jvmcompress.core.runtime.InferenceRuntime;
import org.jvmcompress.core.runtime.TrainingRuntime;

/**
 * The suite's engine: float inference on oneDNN primitives ({@link FloatRuntime}), training steps on them
 * ({@link OneDnnTrainer}) or in Java for embedding bags ({@link BagTrainer}), and the layers swapped in before
 * training (LSTM helpers, in-order bidirectional layers, global max pooling's backward pass, the fused Adam step).
 * Only on ND4J's CPU backend: it reads arrays through host pointers. {@code -Dcompression.runtime=dl4j} and
 * {@code -Dcompression.trainer=dl4j} leave inference or training to DL4J.
 */
public final class OneDnnEngine implements Engine {
    @Override
    public String name() {
        return "oneDNN";
    }

    @Override
    public String unavailableReason() {
        return FloatRuntime.unavailableReason();
    }

    @Override
    public Capability<InferenceRuntime> inference(ComputationGraph g) {
        if (!Backend.oneDnnPath(FloatRuntime.PROPERTY)) {
            return Capability.no("-D" + FloatRuntime.PROPERTY + "=dl4j");
        }
        Lowering.Unsupported u = Lowering.lower(g.getConfiguration()).firstUnsupported();
        if (u != null) {
            return Capability.no("layer " + u.name() + ": " + u.why());
        }
        try {
            return Capability.of(FloatRuntime.compile(g));
        } catch (CompressionException e) {
            return Capability.no(e.getMessage());
        }
    }

    @Override
    public Capability<TrainingRuntime> trainer(ComputationGraph g) {
        if (!Backend.oneDnnPath(NativeTrainer.PROPERTY)) {
            return Capability.no("-D" + NativeTrainer.PROPERTY + "=dl4j");
        }
        NativeTrainer t = NativeTrainer.forGraph(g);
        return t != null ? Capability.of(t) : Capability.no("no trainer of this engine runs every layer");
    }

    @Override
    public int prepareTraining(ComputationGraph g) {
        int n = OneDnnLstmHelper.install(g);
        n += InOrderBidirectional.install(g);
        n += FastGlobalMaxPooling.install(g);
        FusedAdam.install(g);
        return n;
    }
}
