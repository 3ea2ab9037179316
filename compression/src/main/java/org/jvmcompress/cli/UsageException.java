package org.jvmcompress.cli;

import org.jvmcompress.core.CompressionException;

/** A command line that is wrong in itself (an option's value malformed or out of range): exit code 2, like an unknown option. */
final class UsageException extends CompressionException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
