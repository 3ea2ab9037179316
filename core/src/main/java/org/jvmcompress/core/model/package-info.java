/** Models: the sidecar that describes a saved model, loading a model from a path (one interface per format), saving. */
package org.jvmcompress.core.model;
