package org.jvmcompress.core.model;

import java.nio.file.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * A model ready to run: the network, its sidecar (null when the file came without one), and where it came from.
 */
public record LoadedModel(ComputationGraph graph, ModelInfo info, Path path, String format) {}
