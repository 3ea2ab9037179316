package org.jvmcompress.core.runtime;

import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * A way to run and train DL4J networks faster than DL4J's own path, found through {@link java.util.ServiceLoader}
 * (file {@code META-INF/services/org.jvmcompress.core.runtime.Engine}) and chosen by {@link Engines} by what it
 * says it can do: it answers for this machine and backend ({@link #unavailableReason}) and, per network, with a
 * runtime or the reason it cannot run it. A network no engine takes runs on DL4J.
 */
public interface Engine {
    /** Short name for logs and records ("oneDNN"). */
    String name();

    /** Why this engine cannot run in this process (backend, native library), or null when it can. */
    String unavailableReason();

    /** Inference for {@code g}, or the reason this engine cannot run it. */
    Capability<InferenceRuntime> inference(ComputationGraph g);

    /** A trainer for {@code g}, or the reason this engine cannot train it. */
    Capability<TrainingRuntime> trainer(ComputationGraph g);

    /**
     * Swaps layers of {@code g} for ones that compute the same on this engine (helpers, faster backward passes),
     * before the suite trains it; returns how many were swapped.
     */
    int prepareTraining(ComputationGraph g);

    /** What an engine answers for one network: the runtime, or why not (exactly one of the two is not null). */
    record Capability<T>(T runtime, String whyNot) {
        public static <T> Capability<T> of(T runtime) {
            return new Capability<>(runtime, null);
        }

        public static <T> Capability<T> no(String whyNot) {
            return new Capability<>(null, whyNot);
        }
    }
}
