package org.jvmcompress.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jvmcompress.core.SmallCv;
import org.jvmcompress.core.SuiteSetup;
import org.junit.jupiter.api.extension.ExtendWith;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.Synthetic;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.ModelStore;
import org.jvmcompress.core.model.Models;
import org.jvmcompress.core.task.CvTask;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

@ExtendWith(SuiteSetup.class)
class QuantizeTest {
    @TempDir
    static Path dir;
    static CvTask task;
    static TaskData data;
    static LoadedModel teacher;

    @BeforeAll
    static void init() {
        SmallCv cv = SmallCv.of(600);
        task = cv.task();
        data = cv.data();
        teacher = cv.teacher(dir);
    }

    @Test
    void codesStayInRangeAndRoundTripWithinHalfAStep() {
        Random r = new Random(3);
        float[] v = new float[6 * 5];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * (1 + i / 5));
        }
        long[] shape = {6, 5};
        for (int bits : new int[] {8, 4}) {
            for (boolean sym : new boolean[] {true, false}) {
                for (int axis : new int[] {-1, 0, 1}) {
                    QTensor q = QTensor.quantize(v, shape, bits, sym, axis);
                    float[] back = q.dequantize();
                    for (int i = 0; i < v.length; i++) {
                        int slice = axis < 0 ? 0 : axis == 0 ? i / 5 : i % 5;
                        assertTrue(Math.abs(back[i] - v[i]) <= q.scales()[slice] / 2 + 1e-6,
                                bits + " bits, sym " + sym + ", axis " + axis + ": " + v[i] + " -> " + back[i]);
                        assertTrue(q.code(i) >= QTensor.qmin(bits, sym) && q.code(i) <= QTensor.qmax(bits));
                    }
                }
            }
        }
        assertEquals(15, QTensor.quantize(v, shape, 4, true, -1).data().length, "int4: two codes per byte");
        float[] zero = {0f, 0.5f, -0.25f};
        assertEquals(0f, QTensor.quantize(zero, new long[] {3}, 8, false, -1).dequantize()[0], "0 is exact");
    }

    @Test
    void manyRowsGetTheirScalesOnTheEightBitLogGrid() {
        Random r = new Random(5);
        int rows = QTensor.COMPACT_SCALES_ABOVE + 44;
        float[] v = new float[rows * 8];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * Math.exp(r.nextGaussian()));
        }
        v[3 * 8 + 5] = 0; // nothing special, but row 7 is all zero:
        java.util.Arrays.fill(v, 7 * 8, 8 * 8, 0f);
        for (int bits : new int[] {8, 4}) {
            QTensor q = QTensor.quantize(v, new long[] {rows, 8}, bits, true, 0);
            byte[] codes = ScaleGrid.codes(q.scales());
            assertTrue(codes != null, bits + " bits: every scale lies on the grid");
            float lo = ScaleGrid.min(q.scales());
            float hi = ScaleGrid.max(q.scales());
            float[] back = q.dequantize();
            for (int row = 0; row < rows; row++) {
                assertEquals(q.scales()[row], ScaleGrid.decode(lo, hi, codes[row] & 0xFF));
                float maxAbs = 0;
                for (int k = 0; k < 8; k++) {
                    maxAbs = Math.max(maxAbs, Math.abs(v[row * 8 + k]));
                }
                assertTrue(q.scales()[row] >= maxAbs / QTensor.qmax(bits), "rounded up: the row's range is covered");
                assertTrue(q.scales()[row] <= maxAbs / QTensor.qmax(bits) * Math.pow(hi / lo, 1.0 / 255) * 1.0001
                        || maxAbs == 0, "at most one grid step up");
                for (int k = 0; k < 8; k++) {
                    assertTrue(Math.abs(back[row * 8 + k] - v[row * 8 + k]) <= q.scales()[row] / 2 + 1e-6);
                }
            }
            assertEquals(0f, back[7 * 8 + 3], "an all-zero row stays zero");
        }
        assertEquals(null, ScaleGrid.codes(new float[] {0.1f, 0.2f, 0.1234567f}), "scales off the grid are kept as f32");
    }

    @Test
    void halfPrecisionConversions() {
        assertEquals((short) 0x3C00, StoredTensor.toHalf(1f));
        assertEquals((short) 0x7BFF, StoredTensor.toHalf(65504f));
        assertEquals((short) 0x7C00, StoredTensor.toHalf(1e6f));
        assertEquals(0, StoredTensor.toHalf(1e-9f));
        assertEquals(5.9604645e-8f, StoredTensor.fromHalf(StoredTensor.toHalf(5.9604645e-8f)));
        assertEquals(-2.5f, StoredTensor.fromHalf(StoredTensor.toHalf(-2.5f)));
        float[] v = {0.1f, -3.14159f, 1234.5f, 1e-3f};
        float[] h = StoredTensor.floats(v, new long[] {4}, "f16").values();
        float[] b = StoredTensor.floats(v, new long[] {4}, "bf16").values();
        for (int i = 0; i < v.length; i++) {
            assertEquals(v[i], h[i], Math.abs(v[i]) / 1024);
            assertEquals(v[i], b[i], Math.abs(v[i]) / 128);
        }
    }

    @Test
    void foldingBatchNormKeepsTheFunction() {
        ComputationGraph g = teacher.graph();
        ComputationGraph folded = GraphSurgery.foldBatchNorm(g);
        assertTrue(g.getConfiguration().getVertices().containsKey("conv1_bn"));
        assertTrue(!folded.getConfiguration().getVertices().containsKey("conv1_bn"));
        INDArray x = data.test().make(new int[] {0, 1, 2, 3}).getFeatures();
        INDArray a = g.outputSingle(false, x);
        INDArray b = folded.outputSingle(false, x);
        assertTrue(a.equalsWithEps(b, 1e-4), a + " vs " + b);
    }

    @Test
    void fakeQuantPutsValuesOnTheGridAndPassesGradientsInside() {
        FakeQuant q = new FakeQuant(-1, 3, 8);
        INDArray x = Nd4j.createFromArray(new float[] {-2f, -0.3333f, 0f, 1.01f, 5f});
        INDArray y = q.getActivation(x.dup(), false);
        float[] v = y.toFloatVector();
        assertEquals(-q.zeroPoint() * q.scale(), v[0], 1e-6, "clipped below");
        assertEquals(0f, v[2], 0f);
        for (float f : v) {
            double code = f / q.scale() + q.zeroPoint();
            assertEquals(Math.rint(code), code, 1e-3);
        }
        INDArray grad = q.backprop(x.dup(), Nd4j.ones(5).castTo(x.dataType())).getFirst();
        assertEquals(List.of(0f, 1f, 1f, 1f, 0f), List.of(grad.toFloatVector()[0], grad.toFloatVector()[1],
                grad.toFloatVector()[2], grad.toFloatVector()[3], grad.toFloatVector()[4]));
    }

    @Test
    void everyModeWritesAFileThatLoadsAndKeepsAccuracy() throws Exception {
        double floatAcc = Evaluator.accuracy(teacher.graph(), data.test());
        long floatBytes = Files.size(teacher.path());
        for (String mode : List.of("int8-per-tensor", "int8-per-channel", "int4-weight", "fp16", "bf16")) {
            Quantizer.Settings s = new Quantizer.Settings(mode, "mse", 256, null, false);
            QuantizedModel q = Quantizer.quantize(teacher.graph(), data.train(), s);
            Path f = dir.resolve(mode + ".jcq");
            JcqFile.write(f, q, Map.of("source", teacher.path().toString()));
            LoadedModel back = Models.load(f);
            assertEquals("jcq", back.format());
            double acc = Evaluator.accuracy(back.graph(), data.test());
            assertEquals(Evaluator.accuracy(q.toGraph(), data.test()), acc, 1e-9, mode + ": the file computes the same");
            assertTrue(acc >= floatAcc - 0.05, mode + ": accuracy " + acc + " vs float " + floatAcc);
            long bytes = Files.size(f);
            double ratio = floatBytes / (double) bytes;
            double min = switch (mode) {
                case "int4-weight" -> 6;
                case "fp16", "bf16" -> 1.8;
                default -> 3.5;
            };
            assertTrue(ratio > min, mode + ": " + bytes + " bytes vs float " + floatBytes + " (" + ratio + "x)");
        }
    }

    @Test
    void mixedModeReturnsSensitiveLayersToFloatWithinTheBudget() {
        Quantizer.Settings s = new Quantizer.Settings("mixed", "minmax", 128, null, false);
        Sensitivity.Result r = Sensitivity.mixed(teacher.graph(), data.train(), data.validation(), s, 0.0);
        assertEquals(Quantizer.weightLayers(GraphSurgery.foldBatchNorm(teacher.graph())).size(), r.layers().size());
        assertTrue(r.floatAccuracy() - r.mixedAccuracy() <= 1e-9 || r.floatLayers().size() == r.layers().size(),
                "within budget, or everything back in float");
        assertEquals(r.floatLayers().size(), ((List<?>) r.mixed().settings().get("floatLayers")).size());
        assertThrows(CompressionException.class, () -> Quantizer.quantize(teacher.graph(), data.train(),
                s.withFloatLayers(java.util.Set.of("nope"))));
    }

    @Test
    void corruptTruncatedAndForeignFilesAreRefused() throws Exception {
        QuantizedModel q = Quantizer.quantize(teacher.graph(), data.train(), Quantizer.Settings.of("int8-per-channel"));
        Path good = dir.resolve("good.jcq");
        JcqFile.write(good, q, Map.of());
        byte[] bytes = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.jcq");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertTrue(assertThrows(CompressionException.class, () -> JcqFile.read(cut)).getMessage()
                .contains("corrupt or truncated"));
        Path flipped = dir.resolve("flipped.jcq");
        byte[] f = bytes.clone();
        f[f.length / 2] ^= 0x55;
        Files.write(flipped, f);
        assertThrows(CompressionException.class, () -> JcqFile.read(flipped));
        Path future = dir.resolve("future.jcq");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(future))) {
            z.putNextEntry(new ZipEntry("manifest.json"));
            z.write(("{\"format\":\"" + JcqFile.FORMAT + "\",\"version\":99}").getBytes());
            z.closeEntry();
            z.putNextEntry(new ZipEntry("configuration.json"));
            z.closeEntry();
            z.putNextEntry(new ZipEntry("tensors.bin"));
            z.closeEntry();
        }
        assertTrue(assertThrows(CompressionException.class, () -> JcqFile.read(future)).getMessage()
                .contains("version 99"));
        Path zip = dir.resolve("model.zip");
        ModelStore.save(teacher.graph(), null, zip, false);
        assertTrue(!new JcqFormat().accepts(zip), "a DL4J zip is not taken for a quantised file");
    }

    @Test
    void embeddingsAndLstmWeightsAreQuantisedToo() {
        org.jvmcompress.core.task.NlpTask nlp = new org.jvmcompress.core.task.NlpTask();
        TaskData td = nlp.fromTexts(Synthetic.texts(60, 4), 3, "syn", null);
        ComputationGraph g = nlp.build("nlp-teacher,width=0.125", td, new TrainConfig("nlp-teacher", 1, 8, 1e-3, 1, 1, 0,
                1, 0));
        QuantizedModel q = Quantizer.quantize(g, td.train(), Quantizer.Settings.of("int8-per-channel"));
        assertEquals("int8", q.params().get("embedding").get("W").dtype());
        Map<String, String> lstm = q.dtypes().get("bilstm");
        assertTrue(lstm.entrySet().stream().filter(e -> e.getKey().endsWith("W")).allMatch(e -> e.getValue().equals("int8"))
                && lstm.keySet().stream().anyMatch(k -> k.endsWith("RW")), lstm.toString());
        INDArray x = td.test().make(new int[] {0, 1, 2}).getFeatures();
        INDArray a = g.outputSingle(false, x);
        INDArray b = q.toGraph().outputSingle(false, x);
        assertTrue(a.equalsWithEps(b, 0.02), a + " vs " + b);
    }
}
