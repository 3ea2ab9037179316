package org.jvmcompress.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Which data folder is used: the explicit one, then the command's --data-dir (a property), then the environment's. */
class DataHomeTest {
    @Test
    void theCommandsFolderHoldsWhereNoPathIsGiven() {
        String before = System.getProperty(DataHome.PROPERTY);
        try {
            System.setProperty(DataHome.PROPERTY, "/tmp/given-data");
            assertEquals(Path.of("/tmp/given-data"), DataHome.resolve(null).root());
            assertEquals(Path.of("/tmp/explicit").toAbsolutePath(), DataHome.resolve(Path.of("/tmp/explicit")).root());
        } finally {
            if (before == null) {
                System.clearProperty(DataHome.PROPERTY);
            } else {
                System.setProperty(DataHome.PROPERTY, before);
            }
        }
    }
}
