/** The command line: {@code bin/compression <command> [options]}. */
package org.jvmcompress.cli;
