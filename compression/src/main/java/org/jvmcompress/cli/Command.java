package org.jvmcompress.cli;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** One subcommand of the command line. */
interface Command {
    String name();

    String summary();

    /** Options of this command; the common ones (--help, --verbose, --seed, --output, --data-dir) are added for it. */
    Options options();

    /** Runs; returns the exit code. Throws CompressionException for errors the user can fix. */
    int run(CommandLine cl) throws Exception;
}
