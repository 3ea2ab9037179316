package org.jvmcompress.core.task;

import java.util.List;
import java.util.Map;
import org.jvmcompress.core.data.Batches;

/**
 * A task's data ready for a model: train, validation and test sources, the shape of one input, the class
 * names, how raw data was encoded (for the sidecar) and a hash naming the data and its split.
 */
public record TaskData(String task, Batches.Source train, Batches.Source validation, Batches.Source test,
                       long[] inputShape, String input, List<String> labels, Map<String, Object> preprocessing,
                       List<String> vocabulary, String dataHash, long splitSeed) {
    public int numClasses() {
        return labels.size();
    }

    /** The same data with another training source, named by another hash (e.g. with a teacher's targets). */
    public TaskData withTrain(Batches.Source newTrain, String newHash) {
        return new TaskData(task, newTrain, validation, test, inputShape, input, labels, preprocessing, vocabulary,
                newHash, splitSeed);
    }
}
