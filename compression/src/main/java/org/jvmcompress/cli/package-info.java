/**
 * The command line: {@code bin/compression <command> [options]}, option parsing and printing over the stages, the
 * pipeline and the benchmarks. The top of the graph: nothing depends on it.
 */
package org.jvmcompress.cli;
