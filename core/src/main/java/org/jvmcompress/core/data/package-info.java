/** Data sets: the reference sets (Fashion-MNIST, IMDB) and their fetchers, users' image and text data, tokenisation, splits, iterators. */
package org.jvmcompress.core.data;
