package org.jvmcompress.core.task;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jvmcompress.core.data.Batches;
import org.jvmcompress.core.data.DataSource;

/**
 * A task's data ready for a model: train, validation and test sources, the shape of one input, the class
 * names, how raw data was encoded (for the sidecar), a hash naming the data and its split, where the data came
 * from ({@code source}, null for data made in a test) and what a user should know about it ({@code notes}: data new
 * to the model, duplicates across train and test, resized images), printed by commands and kept in their records.
 */
public record TaskData(String task, Batches.Source train, Batches.Source validation, Batches.Source test,
                       long[] inputShape, String input, List<String> labels, Map<String, Object> preprocessing,
                       List<String> vocabulary, String dataHash, long splitSeed, DataSource source,
                       List<String> notes) {
    public TaskData {
        notes = List.copyOf(notes == null ? List.of() : notes);
    }

    public TaskData(String task, Batches.Source train, Batches.Source validation, Batches.Source test,
                    long[] inputShape, String input, List<String> labels, Map<String, Object> preprocessing,
                    List<String> vocabulary, String dataHash, long splitSeed) {
        this(task, train, validation, test, inputShape, input, labels, preprocessing, vocabulary, dataHash, splitSeed,
                null, List.of());
    }

    public int numClasses() {
        return labels.size();
    }

    /** The same data with another training source, named by another hash (e.g. with a teacher's targets). */
    public TaskData withTrain(Batches.Source newTrain, String newHash) {
        return new TaskData(task, newTrain, validation, test, inputShape, input, labels, preprocessing, vocabulary,
                newHash, splitSeed, source, notes);
    }

    /** The same data with another source record (e.g. an unlabelled pool added). */
    public TaskData withSource(DataSource s) {
        return new TaskData(task, train, validation, test, inputShape, input, labels, preprocessing, vocabulary,
                dataHash, splitSeed, s, notes);
    }

    /** The same data with a note added. */
    public TaskData withNote(String note) {
        List<String> n = new ArrayList<>(notes);
        n.add(note);
        return new TaskData(task, train, validation, test, inputShape, input, labels, preprocessing, vocabulary,
                dataHash, splitSeed, source, n);
    }
}
