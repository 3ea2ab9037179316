package org.jvmcompress.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jvmcompress.core.SmallCv;
import org.jvmcompress.core.SuiteSetup;
import org.junit.jupiter.api.extension.ExtendWith;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.Synthetic;
import org.jvmcompress.core.eval.Predictions;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.task.CvTask;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;
import org.nd4j.linalg.api.ndarray.INDArray;

@ExtendWith(SuiteSetup.class)
class Int8RuntimeTest {
    @TempDir
    static Path dir;
    static CvTask task;
    static TaskData data;

    @BeforeAll
    static void init() {
        SmallCv cv = SmallCv.of(500);
        task = cv.task();
        data = cv.data();
    }

    @Test
    void integerInferenceMatchesTheFakeQuantisedNetwork() {
        assertTrue(Int8Runtime.available(), "oneDNN loads");
        for (String arch : List.of("cv-teacher,width=0.25", "cv-student")) {
            TrainConfig tc = new TrainConfig(arch, 2, 32, 3e-3, 1.0, 2, 0, 5, 0);
            LoadedModel m = TrainedModels.train(task, data, tc, dir.resolve(arch), dir.resolve(arch + "/m.zip"), false,
                    null).model();
            for (String mode : List.of("int8-per-channel", "int8-per-tensor")) {
                QuantizedModel q = Quantizer.quantize(m.graph(), data.train(), Quantizer.Settings.of(mode));
                Int8Runtime rt = Int8Runtime.compile(q);
                Predictions sim = Predictions.of(q.toGraph(), data.test(), 64);
                Predictions real = Predictions.of(rt::output, data.test(), 64);
                double agree = Predictions.agreement(sim, real);
                assertTrue(agree >= 0.98, arch + " " + mode + ": int8 runtime agrees with the simulation on " + agree);
                double maxDiff = 0;
                for (int i = 0; i < sim.size(); i++) {
                    for (int k = 0; k < 4; k++) {
                        maxDiff = Math.max(maxDiff, Math.abs(sim.probabilities()[i][k] - real.probabilities()[i][k]));
                    }
                }
                assertTrue(maxDiff < 0.1, arch + " " + mode + ": probabilities differ by up to " + maxDiff);
                // Another batch size gets its own primitives and the same answers.
                INDArray x = data.test().make(new int[] {3}).getFeatures();
                INDArray one = rt.output(x);
                assertEquals(real.probabilities()[3][0], one.getFloat(0, 0), 1e-5);
            }
        }
    }

    @Test
    void embeddingBagRunsOnIntegersAndItsScalesTakeAByteEach() throws Exception {
        org.jvmcompress.core.task.NlpTask nlp = new org.jvmcompress.core.task.NlpTask();
        TaskData td = nlp.fromTexts(Synthetic.texts(800, 4, 400), 3, "syn-400", null);
        assertTrue(td.vocabulary().size() > QTensor.COMPACT_SCALES_ABOVE, "vocabulary of " + td.vocabulary().size());
        LoadedModel m = TrainedModels.train(nlp, td, new TrainConfig("nlp-student", 3, 32, 1e-2, 1.0, 3, 0, 5, 0),
                dir.resolve("bag"), dir.resolve("bag/m.zip"), false, null).model();
        for (String mode : List.of("int8-per-channel", "int8-per-tensor")) {
            QuantizedModel q = Quantizer.quantize(m.graph(), td.train(), Quantizer.Settings.of(mode));
            Path f = dir.resolve("bag-" + mode + ".jcq");
            JcqFile.write(f, q, java.util.Map.of());
            QuantizedModel back = JcqFile.read(f);
            QTensor w = q.params().get("embedding").get("W").q();
            assertTrue(java.util.Arrays.equals(w.scales(), back.params().get("embedding").get("W").q().scales()),
                    mode + ": scales read back exactly");
            String manifest;
            try (var z = new java.util.zip.ZipFile(f.toFile())) {
                manifest = new String(z.getInputStream(z.getEntry("manifest.json")).readAllBytes());
            }
            assertEquals(mode.equals("int8-per-channel"), manifest.contains("\"log-u8\""), mode + ": " + manifest);
            LoadedModel loaded = org.jvmcompress.core.model.Models.load(f);
            assertEquals(EmbeddingBagRuntime.NAME, loaded.runtimeName(), mode);
            Predictions sim = Predictions.of(q.toGraph(), td.test(), 32);
            Predictions real = Predictions.of(loaded.inference(), td.test(), 32);
            assertTrue(Predictions.agreement(sim, real) >= 0.98, mode + ": agreement " + Predictions.agreement(sim, real));
            double maxDiff = 0;
            for (int i = 0; i < sim.size(); i++) {
                maxDiff = Math.max(maxDiff, Math.abs(sim.probabilities()[i][0] - real.probabilities()[i][0]));
            }
            assertTrue(maxDiff < 0.05, mode + ": probabilities differ by up to " + maxDiff);
            assertTrue(real.accuracy() > 0.8, mode + ": accuracy " + real.accuracy());
        }
    }

    @Test
    void textConvolutionRunsOnIntegersToo() {
        org.jvmcompress.core.task.NlpTask nlp = new org.jvmcompress.core.task.NlpTask();
        TaskData td = nlp.fromTexts(Synthetic.texts(600, 4), 3, "syn", null);
        LoadedModel m = TrainedModels.train(nlp, td, new TrainConfig("nlp-cnn,width=0.25", 2, 32, 3e-3, 1.0, 2, 0, 5, 0),
                dir.resolve("nlp"), dir.resolve("nlp/m.zip"), false, null).model();
        QuantizedModel q = Quantizer.quantize(m.graph(), td.train(), Quantizer.Settings.of("int8-per-channel"));
        assertTrue(q.activations().get("conv").zeroPoint() != 0, "embeddings are signed: the input has a zero point");
        Int8Runtime rt = Int8Runtime.compile(q);
        Predictions sim = Predictions.of(q.toGraph(), td.test(), 32);
        Predictions real = Predictions.of(rt::output, td.test(), 32);
        assertTrue(Predictions.agreement(sim, real) >= 0.98, "agreement " + Predictions.agreement(sim, real));
        double maxDiff = 0;
        for (int i = 0; i < sim.size(); i++) {
            maxDiff = Math.max(maxDiff, Math.abs(sim.probabilities()[i][0] - real.probabilities()[i][0]));
        }
        assertTrue(maxDiff < 0.05, "probabilities differ by up to " + maxDiff);
    }

    @Test
    void unsupportedModelsAreNamed() {
        TrainConfig tc = new TrainConfig("cv-student", 1, 32, 3e-3, 1.0, 2, 0, 5, 0);
        LoadedModel m = TrainedModels.train(task, data, tc, dir.resolve("u"), dir.resolve("u/m.zip"), false, null).model();
        QuantizedModel w4 = Quantizer.quantize(m.graph(), data.train(), Quantizer.Settings.of("int4-weight"));
        CompressionException e = assertThrows(CompressionException.class, () -> Int8Runtime.compile(w4));
        assertTrue(e.getMessage().contains("int8 runtime: layer conv1"), e.getMessage());
    }
}
