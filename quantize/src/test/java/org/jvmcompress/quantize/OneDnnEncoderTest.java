package org.jvmcompress.quantize;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.jvmcompress.core.SuiteSetup;
import org.jvmcompress.core.data.DataHome;
import org.jvmcompress.core.model.onnx.BertEncoder;
import org.jvmcompress.core.model.onnx.OrtParity;
import org.jvmcompress.core.model.onnx.PretrainedEncoder;
import org.jvmcompress.core.model.onnx.SentenceEmbedder;
import org.jvmcompress.engine.OneDnnDense;
import org.jvmcompress.engine.OneDnnNorm;

/** all-MiniLM-L6-v2 and its shipped int8 file on the suite's oneDNN runtime, against ONNX Runtime on the same files. */
@Tag("integration")
@ExtendWith(SuiteSetup.class)
class OneDnnEncoderTest {
    static final DataHome HOME = DataHome.resolve(null);
    static SentenceEmbedder tokens;
    static List<String> texts;

    @BeforeAll
    static void load() throws Exception {
        tokens = SentenceEmbedder.of(PretrainedEncoder.MINILM, HOME);
        texts = OrtParity.sentences();
    }

    @AfterAll
    static void close() {
        tokens.close();
    }

    @Test
    void floatEncoderOnOneDnnMatchesOnnxRuntime() throws Exception {
        BertEncoder enc = Encoders.onOneDnn(BertEncoder.read(PretrainedEncoder.MINILM.model(HOME)));
        assertTrue(enc.layers().get(0).ffnIn() instanceof OneDnnDense);
        assertTrue(enc.layers().get(0).norm2() instanceof OneDnnNorm);
        assertTrue(enc.attention() instanceof org.jvmcompress.engine.OneDnnAttention);
        double[] d = OrtParity.compare(enc, tokens, texts, PretrainedEncoder.MINILM.model(HOME));
        System.out.printf("MiniLM on oneDNN vs ONNX Runtime on %d sentences: largest hidden-state difference %.2e,"
                + " lowest embedding cosine %.8f%n", texts.size(), d[0], d[1]);
        assertTrue(d[0] < 1e-4, "largest difference of a hidden state from ONNX Runtime: " + d[0]);
        assertTrue(d[1] > 0.99999, "lowest cosine of a sentence embedding to ONNX Runtime's: " + d[1]);
    }

    @Test
    void shippedInt8FileOnOneDnnAgreesWithOnnxRuntime() throws Exception {
        PretrainedEncoder.MINILM_Q.ensure(HOME);
        BertEncoder enc = Encoders.onOneDnn(BertEncoder.read(PretrainedEncoder.MINILM_Q.model(HOME)));
        assertTrue(enc.layers().get(0).ffnOut() instanceof OneDnnInt8Projection);
        double[] d = OrtParity.compare(enc, tokens, texts, PretrainedEncoder.MINILM_Q.model(HOME));
        System.out.printf("MiniLM -q on oneDNN vs ONNX Runtime on %d sentences: largest hidden-state difference"
                + " %.2e, lowest embedding cosine %.6f%n", texts.size(), d[0], d[1]);
        // the same int8 arithmetic; runs part where an input lies within float rounding of a step boundary (see
        // PretrainedEncoderTest), so agreement is to the int8 model's own noise
        assertTrue(d[1] > 0.99, "lowest cosine of a sentence embedding to ONNX Runtime's: " + d[1]);
    }
}
