/** Benchmarks that fill the results tables: resumable cells (method x seed) kept on disk, then aggregated. */
package org.jvmcompress.bench;
