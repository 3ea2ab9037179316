/**
 * Apache Spark fan-out of architecture-search sweeps (one task per candidate; the driver owns the sweep's state).
 * Depends on {@code nas} and {@code core}; must not depend on the pipeline or the command line.
 */
package org.jvmcompress.spark;
