/**
 * Measurement, one code path for every stage: accuracy and per-class metrics, size, latency, agreement. Depends on
 * tasks, models and below; must not depend on training or on any stage.
 */
package org.jvmcompress.core.eval;
