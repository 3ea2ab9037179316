package org.jvmcompress.core.train;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.runtime.Engines;
import org.jvmcompress.core.runtime.TrainingRuntime;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * What every network gets before the suite trains it, whatever file or builder it came from: the pre-activations of
 * each layer kept from the forward pass for the backward pass ({@link CacheMode#DEVICE}; with DL4J's default, none,
 * every convolution runs its forward pass twice per step, once more inside backprop), and the layers the engines swap
 * in ({@link Engines#prepareTraining}: LSTM helpers, faster backward passes). None changes what is computed.
 * {@link #fit} is the training step the suite takes: an engine's trainer where one trains the network
 * ({@link Engines#trainer}), DL4J's {@code fit} for the rest.
 */
public final class TrainingSetup {
    private TrainingSetup() {}

    /**
     * Each network's trainer (empty: DL4J's fit), made on its first step, by the network's identity (DL4J's
     * {@code ComputationGraph.equals} compares parameters, so two equal networks would share one) and weakly, so that
     * the networks can go.
     */
    private static final Map<Key, Optional<TrainingRuntime>> TRAINERS = new HashMap<>();
    private static final ReferenceQueue<ComputationGraph> GONE = new ReferenceQueue<>();

    private static final class Key extends WeakReference<ComputationGraph> {
        private final int hash;

        Key(ComputationGraph g, ReferenceQueue<ComputationGraph> q) {
            super(g, q);
            hash = System.identityHashCode(g);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o == this || o instanceof Key k && k.get() != null && k.get() == get();
        }
    }

    private static synchronized Optional<TrainingRuntime> trainer(ComputationGraph g) {
        for (Reference<? extends ComputationGraph> r; (r = GONE.poll()) != null; ) {
            TRAINERS.remove(r);
        }
        Optional<TrainingRuntime> t = TRAINERS.get(new Key(g, null));
        if (t == null) {
            t = Optional.ofNullable(Engines.trainer(g));
            TRAINERS.put(new Key(g, GONE), t);
        }
        return t;
    }

    public static void prepare(ComputationGraph g) {
        g.getConfiguration().setCacheMode(CacheMode.DEVICE); // the graph opens the cache workspace only when set
        g.setCacheMode(CacheMode.DEVICE);
        Engines.prepareTraining(g);
    }

    /**
     * One optimisation step of {@code g} on a batch, as {@code g.fit(batch)} takes it (the same updater, state and
     * iteration count); returns the batch's loss.
     */
    public static double fit(ComputationGraph g, MultiDataSet batch) {
        Optional<TrainingRuntime> t = trainer(g);
        if (t.isPresent()) {
            return t.get().fit(batch);
        }
        g.fit(batch);
        return g.score();
    }

    /** What trains {@code g}: "oneDNN trainer (...)", "embedding-bag trainer" or "DL4J". */
    public static String trainerOf(ComputationGraph g) {
        return trainer(g).map(Object::toString).orElse("DL4J");
    }
}
