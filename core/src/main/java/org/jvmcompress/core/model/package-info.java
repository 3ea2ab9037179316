/**
 * Models: the sidecar that describes a saved model ({@link org.jvmcompress.core.model.ModelInfo}), loading a model
 * from a path through one {@link org.jvmcompress.core.model.ModelFormat} per format (found through ServiceLoader),
 * saving. Depends on {@code core.data}, {@code core.runtime} and {@code core.util}; must not depend on tasks or
 * evaluation (which depend on it).
 */
package org.jvmcompress.core.model;
