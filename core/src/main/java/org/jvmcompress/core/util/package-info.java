/** Small shared utilities: hashing, atomic output, JSON, progress display. */
package org.jvmcompress.core.util;
