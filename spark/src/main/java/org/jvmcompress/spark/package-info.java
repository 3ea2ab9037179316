/** Apache Spark fan-out of architecture-search sweeps (one task per candidate). */
package org.jvmcompress.spark;
