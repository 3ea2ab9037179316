package org.jvmcompress.core;

/**
 * An error the user can act on: a bad file, a wrong shape, an unknown name, a missing data set.
 * The command line prints its message (without a stack trace) and exits non-zero.
 */
public class CompressionException extends RuntimeException {
    public CompressionException(String message) {
        super(message);
    }

    public CompressionException(String message, Throwable cause) {
        super(message, cause);
    }
}
