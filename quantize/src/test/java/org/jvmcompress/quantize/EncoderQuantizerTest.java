package org.jvmcompress.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.SuiteSetup;
import org.jvmcompress.core.data.DataHome;
import org.jvmcompress.core.model.onnx.BertEncoder;
import org.jvmcompress.core.model.onnx.PretrainedEncoder;
import org.jvmcompress.core.model.onnx.SentenceEmbedder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The suite's int8 of all-MiniLM-L6-v2: a smaller ONNX file that ONNX Runtime and the suite both run, close to float. */
@Tag("integration")
@ExtendWith(SuiteSetup.class)
class EncoderQuantizerTest {
    static final DataHome HOME = DataHome.resolve(null);

    @Test
    void int8FileIsAQuarterOfFloatRunsInOnnxRuntimeAndStaysCloseToFloat(@TempDir Path dir) throws Exception {
        PretrainedEncoder.MINILM.ensure(HOME);
        Path source = PretrainedEncoder.MINILM.model(HOME);
        Path target = dir.resolve("model-int8.onnx");
        EncoderQuantizer.Written w = EncoderQuantizer.write(source, target);
        assertEquals(36, w.products()); // 6 layers x (q, k, v, attention output, two feed-forward)
        assertEquals(3, w.tables()); // words, positions, token types
        try (var listing = Files.list(dir)) { // the file alone: no temporary one left beside it
            assertEquals(List.of("model-int8.onnx"), listing.map(f -> f.getFileName().toString()).toList());
        }
        double ratio = (double) Files.size(target) / Files.size(source);
        assertTrue(ratio < 0.26, "int8 file at " + ratio + " of the float file");

        BertEncoder floatEnc = BertEncoder.read(source);
        BertEncoder fromFile = BertEncoder.read(target);
        assertEquals(floatEnc.numParams(), fromFile.numParams());
        // the file holds exactly the codes the in-memory quantiser makes
        BertEncoder.Int8 read = (BertEncoder.Int8) fromFile.layers().get(2).ffnOut();
        BertEncoder.Dense orig = (BertEncoder.Dense) floatEnc.layers().get(2).ffnOut();
        BertEncoder.Int8 made = BertEncoder.Int8.quantize(orig);
        assertArrayEquals(made.codes(), read.codes());
        assertArrayEquals(made.scales(), read.scales());

        List<String> texts;
        try (InputStream in = SentenceEmbedder.class.getResourceAsStream("/minilm/sentences.txt")) {
            texts = Arrays.stream(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"))
                    .filter(s -> !s.isBlank()).toList();
        }
        try (SentenceEmbedder embedder = SentenceEmbedder.of(PretrainedEncoder.MINILM, HOME)) {
            long[][] ids = embedder.tokenIds(texts.subList(0, 20));
            int len = Arrays.stream(ids).mapToInt(a -> a.length).max().orElseThrow();
            long[][] in = new long[ids.length][len];
            long[][] mask = new long[ids.length][len];
            for (int i = 0; i < ids.length; i++) {
                System.arraycopy(ids[i], 0, in[i], 0, ids[i].length);
                Arrays.fill(mask[i], 0, ids[i].length, 1);
            }
            INDArray f = SentenceEmbedder.meanPool(floatEnc.hidden(in, mask), mask);
            INDArray q = SentenceEmbedder.meanPool(Encoders.onOneDnn(fromFile).hidden(in, mask), mask);
            INDArray ort;
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession s = env.createSession(target.toString(), new OrtSession.SessionOptions());
                 OnnxTensor a = OnnxTensor.createTensor(env, in); OnnxTensor b = OnnxTensor.createTensor(env, mask);
                 OnnxTensor c = OnnxTensor.createTensor(env, new long[in.length][len]);
                 OrtSession.Result r = s.run(Map.of("input_ids", a, "attention_mask", b, "token_type_ids", c))) {
                ort = SentenceEmbedder.meanPool(Nd4j.create((float[][][]) r.get(0).getValue()), mask);
            }
            double toFloat = 1;
            double toOrt = 1;
            for (int i = 0; i < ids.length; i++) {
                toFloat = Math.min(toFloat, cos(q.getRow(i), f.getRow(i)));
                toOrt = Math.min(toOrt, cos(q.getRow(i), ort.getRow(i)));
            }
            System.out.printf("suite int8 of MiniLM: %.1f %% of the float file; lowest embedding cosine to float %.4f,"
                    + " to ONNX Runtime running the same file %.4f (20 sentences)%n", 100 * ratio, toFloat, toOrt);
            assertTrue(toFloat > 0.97, "lowest cosine to the float encoder: " + toFloat);
            assertTrue(toOrt > 0.99, "lowest cosine to ONNX Runtime on the same file: " + toOrt);
        }
    }

    @Test
    void aGraphThatIsNotABertExportIsRefusedAndNothingIsWritten(@TempDir Path dir) throws Exception {
        Path cnn = dir.resolve("cnn.onnx");
        try (InputStream in = SentenceEmbedder.class.getResourceAsStream("/onnx/cnn.onnx")) {
            Files.copy(in, cnn);
        }
        Path target = dir.resolve("out.onnx");
        CompressionException e = assertThrows(CompressionException.class, () -> EncoderQuantizer.write(cnn, target));
        assertTrue(e.getMessage().contains("not a BERT encoder export"), e.getMessage());
        assertFalse(Files.exists(target));
    }

    private static double cos(INDArray a, INDArray b) {
        return a.mul(b).sumNumber().doubleValue() / (a.norm2Number().doubleValue() * b.norm2Number().doubleValue());
    }
}
