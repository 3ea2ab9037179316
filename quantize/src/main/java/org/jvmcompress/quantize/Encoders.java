package org.jvmcompress.quantize;

import org.jvmcompress.core.data.DataHome;
import org.jvmcompress.core.model.onnx.BertEncoder;
import org.jvmcompress.core.model.onnx.PretrainedEncoder;
import org.jvmcompress.core.model.onnx.SentenceEmbedder;
import org.jvmcompress.engine.FloatRuntime;
import org.jvmcompress.engine.OneDnnAttention;
import org.jvmcompress.engine.OneDnnDense;
import org.jvmcompress.engine.OneDnnNorm;

/**
 * Transformer encoders on the suite's fastest runtime here: oneDNN primitives where it loads (int8 projections on the
 * integer product, float ones with bias and GELU fused, layer norms, attention), ND4J ops without it.
 */
public final class Encoders {
    private Encoders() {}

    /** Every projection and layer norm on oneDNN; the encoder as it is (ND4J ops) where oneDNN does not load. */
    public static BertEncoder onOneDnn(BertEncoder enc) {
        if (!FloatRuntime.available()) {
            return enc;
        }
        BertEncoder ints = enc.mapProjections(q -> q instanceof BertEncoder.Int8 i ? new OneDnnInt8Projection(i) : q);
        return OneDnnAttention.accelerate(OneDnnNorm.accelerate(OneDnnDense.accelerate(ints)));
    }

    /** The suite's int8 of a float encoder (per-column symmetric int8 weights, GELU kept), on {@link #onOneDnn}. */
    public static BertEncoder quantize(BertEncoder enc) {
        return onOneDnn(enc.mapProjections(q -> q instanceof BertEncoder.Dense d ? BertEncoder.Int8.quantize(d) : q));
    }

    /** What {@link #onOneDnn} runs on this machine, in words. */
    public static String runtime() {
        return FloatRuntime.available() ? "oneDNN primitives (projections with bias and GELU fused, int8 ones as u8 x s8"
                + " products; layer norms; attention read in place through strides) and ND4J ops (embeddings)"
                : "ND4J ops (oneDNN unavailable: " + FloatRuntime.unavailableReason() + ")";
    }

    /** A pretrained sentence encoder from the data folder, on {@link #onOneDnn}. */
    public static SentenceEmbedder embedder(PretrainedEncoder pe, DataHome home) {
        pe.ensure(home);
        return new SentenceEmbedder(onOneDnn(BertEncoder.read(pe.model(home))), pe.tokenizer(home), pe.maxTokens(),
                home);
    }
}
