package org.jvmcompress.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.jvmcompress.core.task.Architectures;
import org.jvmcompress.core.task.TrainConfig;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Guards the 4x speed-up of shared/NOTES-DL4J.md: every convolution, pooling and batch-norm layer of a
 * ComputationGraph must run with its oneDNN helper on the CPU backend.
 */
class OneDnnHelperTest {
    static Object helperOf(Layer l) throws Exception {
        for (Class<?> k = l.getClass(); k != null; k = k.getSuperclass()) {
            try {
                Field f = k.getDeclaredField("helper");
                f.setAccessible(true);
                return f.get(l);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            }
        }
        return null;
    }

    @Test
    void convolutionLayersRunWithTheirOneDnnHelper() throws Exception {
        Backend.init();
        assertEquals("CPU", Backend.name());
        assertTrue(Backend.hasOneDnn(), "the nd4j-native classifier on the class path is not a oneDNN build");
        assertTrue(Backend.oneDnnHelpersActive(), "DL4J refuses oneDNN helpers (property or Nd4jCpu shim missing)");
        ComputationGraph g = Architectures.cvTeacher(1, 28, 28, 10, new TrainConfig("cv-teacher", 1, 4, 1e-3, 1.0, 1, 0, 1, 0));
        DataSet ds = new DataSet(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 1, 28, 28),
                Nd4j.eye(10).getRows(0, 1, 2, 3).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT));
        g.fit(ds);
        int checked = 0;
        for (Layer l : g.getLayers()) {
            String type = l.getClass().getSimpleName();
            if (type.equals("ConvolutionLayer") || type.equals("SubsamplingLayer") || type.equals("BatchNormalization")) {
                Object h = helperOf(l);
                assertNotNull(h, "layer " + l.conf().getLayer().getLayerName() + " (" + type + ") runs without its helper");
                assertTrue(h.getClass().getSimpleName().startsWith("MKLDNN"), h.getClass().getName());
                checked++;
            }
        }
        assertEquals(10, checked);
    }
}
