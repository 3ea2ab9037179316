package org.jvmcompress.core.task;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.data.DataHome;
import org.jvmcompress.core.model.ModelInfo;

/** A task: where its data comes from, how it is split and encoded, and its reference teacher architectures. */
public interface Task {
    /** Short stable key: "cv", "nlp". */
    String name();

    String description();

    /**
     * The task's reference data, split with the seed. For a model that brings its own encoding (a text model's
     * vocabulary) pass its sidecar so that the data is encoded the same way; null fits the encoding on the
     * training split.
     */
    TaskData load(DataHome home, long splitSeed, ModelInfo encodingFrom);

    /**
     * A user's data in this task's form, with its {@link org.jvmcompress.core.data.DataSource} recorded: the
     * request's {@code data} is split into train and validation with the seed (and test, 80/10/10, when no
     * {@code testData} is named); {@code testData} alone serves evaluation. Encoded as the model needs when its
     * sidecar is given (input size, classes, vocabulary), else as the request and the data say.
     */
    TaskData fromFiles(DataRequest request, long splitSeed, ModelInfo encodingFrom);

    /**
     * The data hash {@link #load} gives for this split and encoding, computed without reading the data: how a
     * sidecar written before data sources were recorded is recognised as trained on the built-in set.
     */
    String builtinHash(long splitSeed, ModelInfo encodingFrom);

    /**
     * Unlabelled inputs from a user's file or folder, encoded like {@code data} (for a teacher to label): any
     * PNG/JPEG images under a folder for image tasks; a text file (one text per line) or a folder of .txt files
     * for text tasks. The labels of the returned source are placeholders (class 0).
     */
    org.jvmcompress.core.data.Batches.Source unlabelled(java.nio.file.Path pool, TaskData data);

    /** Names of the teacher architectures this task can build; the first is the default. */
    List<String> architectures();

    /** The architecture a student of this task's teacher gets by default. */
    String studentArchitecture();

    /** A fresh, initialised network of the named architecture for this data. */
    ComputationGraph build(String architecture, TaskData data, TrainConfig config);

    /** The defaults used by {@code train-teacher}. */
    TrainConfig defaultConfig();
}
