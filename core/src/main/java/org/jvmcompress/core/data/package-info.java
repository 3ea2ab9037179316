/**
 * Data sets: the reference sets (Fashion-MNIST, IMDB) and their fetchers, users' image and text data and the
 * record of which data a model used ({@link org.jvmcompress.core.data.DataSource}), tokenisation, splits, batches.
 * Knows nothing of models or tasks: depends on {@code core.util} only.
 */
package org.jvmcompress.core.data;
