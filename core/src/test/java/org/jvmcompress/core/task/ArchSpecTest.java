package org.jvmcompress.core.task;

import org.jvmcompress.core.model.Networks;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.Synthetic;
import org.jvmcompress.core.eval.Measure;
import org.nd4j.linalg.factory.Nd4j;

class ArchSpecTest {
    private final CvTask cv = new CvTask();
    private final TaskData d = cv.fromImages(Synthetic.images(20, 10, 28, 1), Synthetic.images(10, 10, 28, 2), 1, "s");
    private final TrainConfig c = new TrainConfig("cv-teacher", 1, 8, 1e-3, 1, 1, 0, 1, 0);

    private long params(String spec) {
        return Networks.trainableParams(cv.build(Tasks.checkArchitecture(cv, spec), d, c));
    }

    @Test
    void multipliersScaleTheReferenceNetworks() {
        assertEquals(1_868_234, params("cv-teacher"));
        assertEquals(105_866, params("cv-student"));
        // width 0.5: convs 32,32,64,64, dense 128 on 7x7x64.
        long w = (9 * 32 + 32) + 2 * 32 + (9 * 32 * 32 + 32) + 2 * 32 + (9 * 32 * 64 + 64) + 2 * 64
                + (9 * 64 * 64 + 64) + 2 * 64 + (7 * 7 * 64 * 128 + 128) + (128 * 10 + 10);
        assertEquals(w, params("cv-teacher,width=0.5"));
        // depth 0.5 on the teacher: one conv per stage.
        long dd = (9 * 64 + 64) + 2 * 64 + (9 * 64 * 128 + 128) + 2 * 128 + (7 * 7 * 128 * 256 + 256) + (256 * 10 + 10);
        assertEquals(dd, params("cv-teacher,depth=0.5"));
        ComputationGraph sep = cv.build("cv-teacher,blocks=separable", d, c);
        assertTrue(sep.getLayer("conv2_dw").conf().getLayer() instanceof DepthwiseConvolution2D);
        assertEquals(1, ((ConvolutionLayer) sep.getLayer("conv2").conf().getLayer()).getKernelSize()[0], "pointwise");
        assertTrue(!sep.getConfiguration().getVertices().containsKey("conv1_dw"), "the first conv stays plain");
        // the parameters of DL4J's SeparableConvolution2D: 3x3 depthwise without bias, then 1x1 with bias
        assertEquals(9 * 64 + 64 * 64 + 64, sep.getLayer("conv2_dw").numParams() + sep.getLayer("conv2").numParams());
        assertTrue(Networks.trainableParams(sep) < 1_868_234);
        assertEquals(List.of(2L, 10L), List.of(sep.outputSingle(Nd4j.rand(2, 1, 28, 28)).shape()[0],
                sep.outputSingle(Nd4j.rand(2, 1, 28, 28)).shape()[1]));
    }

    @Test
    void aUsersModelFileGivesTheArchitecture(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        ComputationGraph g = cv.build("cv-student,width=0.5", d, c);
        java.nio.file.Path f = dir.resolve("mine.zip");
        org.jvmcompress.core.model.ModelStore.save(g, null, f, false);
        String spec = Tasks.checkArchitecture(cv, "file:" + f);
        ComputationGraph fresh = cv.build(spec, d, c.withSeed(99));
        assertEquals(Networks.trainableParams(g), Networks.trainableParams(fresh));
        assertTrue(!g.params().equalsWithEps(fresh.params(), 1e-6), "re-initialised, not the file's weights");
        assertTrue(assertThrows(CompressionException.class, () -> Tasks.checkArchitecture(cv, "file:" + dir.resolve("x.zip")))
                .getMessage().contains("not found"));
    }

    @Test
    void specsAreNormalisedAndBadOnesNamed() {
        assertEquals("cv-student,width=2", Tasks.checkArchitecture(cv, "cv-student, width=2.0"));
        assertEquals("cv-teacher", Tasks.checkArchitecture(cv, "cv-teacher,width=1"));
        assertTrue(assertThrows(CompressionException.class, () -> Tasks.checkArchitecture(cv, "cv-teacher,height=2"))
                .getMessage().contains("known: width, depth, blocks"));
        assertTrue(assertThrows(CompressionException.class, () -> Tasks.checkArchitecture(cv, "resnet,width=2"))
                .getMessage().contains("known: cv-teacher, cv-student"));
        assertThrows(CompressionException.class, () -> Tasks.checkArchitecture(cv, "cv-student,width=0"));
        assertThrows(CompressionException.class, () -> Tasks.checkArchitecture(cv, "cv-student,blocks=fancy"));
    }
}
