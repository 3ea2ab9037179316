/**
 * Benchmarks that fill the results tables: resumable cells (method x seed) kept on disk, then aggregated. Must not
 * depend on the command line.
 */
package org.jvmcompress.bench;
