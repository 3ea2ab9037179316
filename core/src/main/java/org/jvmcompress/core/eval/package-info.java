/** Measurement, one code path for every stage: accuracy and per-class metrics, size, latency, agreement. */
package org.jvmcompress.core.eval;
