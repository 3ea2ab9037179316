/**
 * The Keras 3 format ({@code .keras} zip and {@code .h5}): reads the saved configuration and weights with
 * Jackson and jHDF (never Java deserialisation) and builds the same DL4J network. Registered through ServiceLoader;
 * depends on {@code core.model} and below only.
 */
package org.jvmcompress.core.model.keras;
