package org.jvmcompress.core.model;

/**
 * Puts another computation in front of a loaded model when its sidecar asks for one (e.g. a head trained on a
 * pretrained encoder's embeddings gets the encoder). Found through {@code META-INF/services}, like the formats.
 */
public interface ModelDecorator {
    /** The model with what its sidecar asks for in front, or the same instance when this decorator has nothing to add. */
    LoadedModel decorate(LoadedModel model);
}
