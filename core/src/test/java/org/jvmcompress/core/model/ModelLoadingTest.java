package org.jvmcompress.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jvmcompress.core.SuiteSetup;
import org.junit.jupiter.api.extension.ExtendWith;
import java.io.FileOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.Synthetic;
import org.jvmcompress.core.task.Architectures;
import org.jvmcompress.core.task.TrainConfig;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

@ExtendWith(SuiteSetup.class)
class ModelLoadingTest {
    @TempDir
    Path dir;

    static final TrainConfig CFG = new TrainConfig("cv-student", 1, 8, 1e-3, 1.0, 1, 0, 3, 0);

    static ModelInfo info() {
        return new ModelInfo(ModelInfo.SCHEMA, "cv", "cv-student", List.of("a", "b", "c"), new long[] {1, 12, 12},
                "image", Map.of("scale", 1.0 / 255), null, Map.of(), 3, "h", Map.of(), "now");
    }

    @Test
    void aHeadOnAnEncoderIsRefusedWhereNoEncoderRuntimeIsOnTheClassPath() {
        // core alone has no decorator for it: running the head on the task's token ids would be wrong input
        ComputationGraph g = Architectures.cvStudent(1, 12, 12, 3, CFG);
        Path zip = dir.resolve("head.zip");
        ModelInfo i = info();
        ModelStore.save(g, new ModelInfo(i.schema(), i.task(), i.architecture(), i.labels(), i.inputShape(), i.input(),
                i.preprocessing(), i.vocabulary(), i.training(), i.seed(), i.dataHash(),
                Map.of(Models.ENCODER, "minilm"), i.created(), i.splitSeed()), zip, false);
        CompressionException e = assertThrows(CompressionException.class, () -> Models.load(zip));
        assertTrue(e.getMessage().contains("head on the pretrained encoder minilm"), e.getMessage());
    }

    @Test
    void savedGraphLoadsWithSidecarAndSameOutputs() {
        ComputationGraph g = Architectures.cvStudent(1, 12, 12, 3, CFG);
        Path zip = dir.resolve("m.zip");
        ModelStore.save(g, info(), zip, false);
        assertTrue(Files.isRegularFile(dir.resolve("m.json")));
        LoadedModel m = Models.load(zip);
        assertEquals("cv", m.info().task());
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 1, 12, 12);
        assertTrue(g.outputSingle(false, x).equalsWithEps(m.graph().outputSingle(false, x), 1e-6));
        assertEquals(List.of("m.json", "m.zip"), listing());
    }

    @Test
    void multiLayerNetworkIsConvertedToAGraph() throws Exception {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new DenseLayer.Builder().nIn(5).nOut(4).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Path zip = dir.resolve("mln.zip");
        ModelSerializer.writeModel(net, zip.toFile(), false);
        LoadedModel m = Models.load(zip);
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 3, 5);
        assertTrue(net.output(x).equalsWithEps(m.graph().outputSingle(x), 1e-6));
    }

    @Test
    void truncatedZipIsNamed() throws Exception {
        ComputationGraph g = Architectures.cvStudent(1, 12, 12, 3, CFG);
        Path zip = dir.resolve("m.zip");
        ModelStore.save(g, null, zip, false);
        byte[] b = Files.readAllBytes(zip);
        Path cut = dir.resolve("cut.zip");
        Files.write(cut, Arrays.copyOf(b, b.length / 2));
        CompressionException e = assertThrows(CompressionException.class, () -> Models.load(cut));
        assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("corrupt or truncated"), e.getMessage());
    }

    @Test
    void garbageAndForeignZipsAreNamed() throws Exception {
        Path junk = dir.resolve("junk.zip");
        Files.writeString(junk, "not a zip");
        assertTrue(assertThrows(CompressionException.class, () -> Models.load(junk)).getMessage()
                .contains("not a readable zip"));
        Path foreign = dir.resolve("foreign.zip");
        try (ZipOutputStream z = new ZipOutputStream(new FileOutputStream(foreign.toFile()))) {
            z.putNextEntry(new ZipEntry("readme.txt"));
            z.write("hello".getBytes());
            z.closeEntry();
        }
        assertTrue(assertThrows(CompressionException.class, () -> Models.load(foreign)).getMessage()
                .contains("has no configuration.json"));
        Path other = dir.resolve("model.bin");
        Files.writeString(other, "binary?");
        assertTrue(assertThrows(CompressionException.class, () -> Models.load(other)).getMessage()
                .contains("unrecognised model file"));
        assertTrue(assertThrows(CompressionException.class, () -> Models.load(dir.resolve("missing.zip")))
                .getMessage().contains("not found"));
    }

    @Test
    void weightsThatDoNotFitTheConfigurationAreNamed() throws Exception {
        ComputationGraph small = Architectures.cvStudent(1, 12, 12, 3, CFG);
        ComputationGraph other = Architectures.cvStudent(1, 12, 12, 5, CFG);
        Path a = dir.resolve("a.zip");
        Path b = dir.resolve("b.zip");
        ModelStore.save(small, null, a, false);
        ModelStore.save(other, null, b, false);
        Path mixed = dir.resolve("mixed.zip");
        try (var za = new java.util.zip.ZipFile(a.toFile()); var zb = new java.util.zip.ZipFile(b.toFile());
             ZipOutputStream z = new ZipOutputStream(new FileOutputStream(mixed.toFile()))) {
            z.putNextEntry(new ZipEntry("configuration.json"));
            z.write(za.getInputStream(za.getEntry("configuration.json")).readAllBytes());
            z.putNextEntry(new ZipEntry("coefficients.bin"));
            z.write(zb.getInputStream(zb.getEntry("coefficients.bin")).readAllBytes());
        }
        CompressionException e = assertThrows(CompressionException.class, () -> Models.load(mixed));
        assertTrue(e.getMessage().contains("parameters but the configuration needs"), e.getMessage());
    }

    @Test
    void corruptSidecarIsNamed() throws Exception {
        ComputationGraph g = Architectures.cvStudent(1, 12, 12, 3, CFG);
        Path zip = dir.resolve("m.zip");
        ModelStore.save(g, info(), zip, false);
        Files.writeString(dir.resolve("m.json"), "{\"schema\": 1, \"task\": ");
        CompressionException e = assertThrows(CompressionException.class, () -> Models.load(zip));
        assertTrue(e.getMessage().contains("not valid JSON") && e.getMessage().contains("m.json"), e.getMessage());
    }

    private List<String> listing() {
        try {
            return Synthetic.listAll(dir);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
