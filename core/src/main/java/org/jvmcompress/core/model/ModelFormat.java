package org.jvmcompress.core.model;

import java.nio.file.Path;

/** One file format that can be loaded as a model. Keras and ONNX formats plug in here. */
public interface ModelFormat {
    /** Short stable key, e.g. "dl4j". */
    String name();

    /** Whether this format claims the file (by extension or magic bytes); must not fully parse it. */
    boolean accepts(Path file);

    /** Loads the model or throws {@link org.jvmcompress.core.CompressionException} naming what is wrong. */
    LoadedModel load(Path file);
}
