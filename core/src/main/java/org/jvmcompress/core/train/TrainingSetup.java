package org.jvmcompress.core.train;

import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.runtime.OneDnnLstmHelper;

/**
 * What every network gets before the suite trains it, whatever file or builder it came from: the pre-activations of
 * each layer kept from the forward pass for the backward pass ({@link CacheMode#DEVICE}; with DL4J's default, none,
 * every convolution runs its forward pass twice per step, once more inside backprop), LSTM layers on oneDNN
 * ({@link OneDnnLstmHelper}) and a faster backward pass of global max pooling over time ({@link FastGlobalMaxPooling}).
 * None changes what is computed.
 */
public final class TrainingSetup {
    private TrainingSetup() {}

    public static void prepare(ComputationGraph g) {
        g.getConfiguration().setCacheMode(CacheMode.DEVICE); // the graph opens the cache workspace only when set
        g.setCacheMode(CacheMode.DEVICE);
        OneDnnLstmHelper.install(g);
        FastGlobalMaxPooling.install(g);
    }
}
