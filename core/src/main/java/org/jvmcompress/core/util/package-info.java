/**
 * Small shared utilities: hashing, atomic output, JSON, progress display, array copies. Depends on nothing of the
 * suite but {@link org.jvmcompress.core.CompressionException}.
 */
package org.jvmcompress.core.util;
