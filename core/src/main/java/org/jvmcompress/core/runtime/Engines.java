package org.jvmcompress.core.runtime;

import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Function;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * The engines on the class path, in {@link ServiceLoader} order. The first engine that is available and takes a
 * network runs it; with none (no engine module, another backend, a layer no engine runs) DL4J does.
 */
public final class Engines {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Engines.class);
    private static volatile List<Engine> engines;

    private Engines() {}

    /** Every engine found, available or not. */
    public static List<Engine> all() {
        if (engines == null) {
            synchronized (Engines.class) {
                if (engines == null) {
                    engines = ServiceLoader.load(Engine.class, Engines.class.getClassLoader()).stream()
                            .map(ServiceLoader.Provider::get).toList();
                }
            }
        }
        return engines;
    }

    /** The engines that can run in this process. */
    public static List<Engine> available() {
        return all().stream().filter(e -> e.unavailableReason() == null).toList();
    }

    /** Inference for {@code g} on the first engine that runs it, or null (DL4J runs it). */
    public static InferenceRuntime inference(ComputationGraph g) {
        return g == null ? null : first(g, e -> e.inference(g), "inference");
    }

    /** A trainer for {@code g} from the first engine that trains it, or null (DL4J's {@code fit} trains it). */
    public static TrainingRuntime trainer(ComputationGraph g) {
        return first(g, e -> e.trainer(g), "training");
    }

    /** Lets every available engine swap in its layers before training; returns how many were swapped. */
    public static int prepareTraining(ComputationGraph g) {
        int n = 0;
        for (Engine e : available()) {
            n += e.prepareTraining(g);
        }
        return n;
    }

    private static <T> T first(ComputationGraph g, Function<Engine, Engine.Capability<T>> ask, String what) {
        for (Engine e : available()) {
            Engine.Capability<T> c = ask.apply(e);
            if (c.runtime() != null) {
                return c.runtime();
            }
            LOG.debug("{} of {} not on {}: {}", what, g.getConfiguration().getNetworkInputs(), e.name(), c.whyNot());
        }
        return null;
    }
}
