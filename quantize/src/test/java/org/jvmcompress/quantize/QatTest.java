package org.jvmcompress.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jvmcompress.core.SmallCv;
import org.jvmcompress.core.SuiteSetup;
import org.junit.jupiter.api.extension.ExtendWith;
import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.Models;
import org.jvmcompress.core.task.CvTask;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

@ExtendWith(SuiteSetup.class)
class QatTest {
    @TempDir
    static Path dir;
    static CvTask task;
    static TaskData data;
    static LoadedModel teacher;

    @BeforeAll
    static void init() {
        SmallCv cv = SmallCv.of(500);
        task = cv.task();
        data = cv.data();
        teacher = cv.teacher(dir);
    }

    @Test
    void fakeQuantisedWeightsAreWhatTheFileStores() {
        ComputationGraph g = GraphSurgery.foldBatchNorm(teacher.graph()).clone();
        Qat.fakeQuantiseWeights(g, Quantizer.Settings.of("int8-per-channel"));
        QuantizedModel q = Quantizer.quantize(g, data.train(), Quantizer.Settings.of("int8-per-channel"));
        INDArray w = g.getLayer("conv2").paramTable().get("W");
        float[] stored = q.params().get("conv2").get("W").values();
        float[] live = w.dup('c').data().asFloat();
        for (int i = 0; i < live.length; i++) {
            assertEquals(live[i], stored[i], 1e-6 * Math.max(1, Math.abs(live[i])), "fake quantisation is idempotent");
        }
    }

    @Test
    void fineTuningUsesItsOwnLearningRateNotTheTrainingSchedule() {
        ComputationGraph g = GraphSurgery.withUpdater(teacher.graph(), new org.nd4j.linalg.learning.config.Adam(1e-5));
        for (String layer : Quantizer.weightLayers(g)) {
            var conf = (org.deeplearning4j.nn.conf.layers.BaseLayer) GraphSurgery.layerOf(g.getConfiguration(), layer);
            assertEquals(1e-5, conf.getIUpdater().getLearningRate(0, 5), 1e-12, layer);
        }
        assertTrue(g.params().equalsWithEps(teacher.graph().params(), 0), "same weights");
    }

    @Test
    void qatTrainsAndExportsARunnableInt8Model() {
        Quantizer.Settings s = Quantizer.Settings.of("int8-per-channel");
        LoadedModel q = Quantization.qat(teacher, data, s, new TrainConfig("cv-teacher,width=0.25", 2, 32, 1e-4, 1.0,
                2, 0, 5, 0), dir.resolve("qat"), dir.resolve("qat/model.jcq"), "test");
        double floatAcc = Evaluator.accuracy(teacher.graph(), data.test());
        double acc = Evaluator.accuracy(q.graph(), data.test());
        assertTrue(acc >= floatAcc - 0.05, "QAT " + acc + " vs float " + floatAcc);
        assertTrue(q.runtimeName().startsWith("oneDNN"), q.runtimeName());
        LoadedModel back = Models.load(dir.resolve("qat/model.jcq"));
        assertTrue(((Map<?, ?>) back.info().training().get("quantization")).containsKey("qat"));
        assertTrue(String.valueOf(((Map<?, ?>) back.info().training().get("quantization")).get("activations"))
                .contains("quantisation-aware"));
    }
}
