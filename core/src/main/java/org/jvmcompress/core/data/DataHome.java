package org.jvmcompress.core.data;

import java.nio.file.Path;

/**
 * The one folder where data sets are cached. Chosen by, in order: an explicit path (the {@code --data-dir}
 * option), the environment variable {@value #ENV}, else {@code ~/.cache/jvm-compression/data}.
 */
public record DataHome(Path root) {
    public static final String ENV = "COMPRESSION_DATA_DIR";

    /**
     * The data folder a command was given (--data-dir), for code that resolves it without the command line: a model
     * whose sidecar names a pretrained encoder finds the encoder there.
     */
    public static final String PROPERTY = "jvmcompress.data.dir";

    public static DataHome resolve(Path explicit) {
        if (explicit != null) {
            return new DataHome(explicit.toAbsolutePath());
        }
        String given = System.getProperty(PROPERTY);
        if (given != null && !given.isBlank()) {
            return new DataHome(Path.of(given).toAbsolutePath());
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return new DataHome(Path.of(env).toAbsolutePath());
        }
        return new DataHome(Path.of(System.getProperty("user.home"), ".cache", "jvm-compression", "data"));
    }

    public Path dir(String dataset) {
        return root.resolve(dataset);
    }
}
