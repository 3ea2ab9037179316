/**
 * Tasks (cv, nlp): their data, splits, input encoding and reference architectures, registered by name; which data a
 * model is used on ({@link org.jvmcompress.core.task.ModelData}) and whether it fits
 * ({@link org.jvmcompress.core.task.Compatibility}). Depends on {@code core.model}, {@code core.data} and below;
 * must not depend on evaluation or training.
 */
package org.jvmcompress.core.task;
