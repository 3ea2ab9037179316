package org.jvmcompress.core.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.jvmcompress.core.CompressionException;

/** The oneDNN engine is chosen on the CPU backend only; on CUDA (the cuda profile) DL4J's own path runs. */
class BackendChoiceTest {
    @Test
    void engineFollowsTheBackend() {
        assertTrue(Backend.oneDnnEngine("CPU", "auto", "p"));
        assertFalse(Backend.oneDnnEngine("CUDA", "auto", "p"), "never on CUDA buffers");
        assertFalse(Backend.oneDnnEngine("CPU", "dl4j", "p"));
        assertTrue(assertThrows(CompressionException.class, () -> Backend.oneDnnEngine("CPU", "fast", "p"))
                .getMessage().contains("-Dp takes auto or dl4j"));
        // this build's backend is the CPU one
        assertTrue(Backend.onCpu());
    }

    @Test
    void withoutAnEngineModuleDl4jRunsEverything() {
        // core's own tests have no engine on the class path: models load and run on DL4J
        assertTrue(Engines.all().isEmpty());
        assertNull(Engines.inference(org.jvmcompress.core.task.Architectures.cvStudent(1, 28, 28, 10,
                new org.jvmcompress.core.task.TrainConfig("x", 1, 32, 1e-3, 1.0, 1, 0, 0, 0))));
    }
}
