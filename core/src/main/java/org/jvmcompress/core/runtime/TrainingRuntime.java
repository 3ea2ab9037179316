package org.jvmcompress.core.runtime;

import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Takes a DL4J network's optimisation steps outside DL4J (given by an {@link Engine}), with the network's own
 * updater, state and parameters: after {@link #fit} the network is as {@code ComputationGraph.fit} would leave it.
 */
public interface TrainingRuntime extends AutoCloseable {
    /** One step on a batch; returns the batch's loss. */
    double fit(MultiDataSet batch);

    @Override
    void close();
}
