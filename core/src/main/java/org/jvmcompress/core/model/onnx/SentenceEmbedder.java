package org.jvmcompress.core.model.onnx;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntConsumer;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.DataHome;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A sentence-transformers model: its own tokenizer (the Hugging Face library reading the model's {@code tokenizer.json}:
 * BERT normalisation and lower-casing, WordPiece, [CLS] and [SEP]), truncation to the model card's length, the BERT
 * encoder, the mean of the token states under the attention mask, scaled to unit length.
 */
public final class SentenceEmbedder implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final BertEncoder encoder;
    private final int maxTokens;

    public SentenceEmbedder(Path onnx, Path tokenizerJson, int maxTokens, DataHome home) {
        this(BertEncoder.read(onnx), tokenizerJson, maxTokens, home);
    }

    /** An encoder already read (e.g. quantised, or on another runtime) with its tokenizer. */
    public SentenceEmbedder(BertEncoder encoder, Path tokenizerJson, int maxTokens, DataHome home) {
        this.tokenizer = tokenizer(tokenizerJson, maxTokens, home);
        this.encoder = encoder;
        this.maxTokens = maxTokens;
    }

    /** The pretrained encoder from the data folder (fetched when not there). */
    public static SentenceEmbedder of(PretrainedEncoder e, DataHome home) {
        e.ensure(home);
        return new SentenceEmbedder(e.model(home), e.tokenizer(home), e.maxTokens(), home);
    }

    /**
     * The library's tokenizer for a {@code tokenizer.json}, truncating to {@code maxTokens} and not padding (batches
     * are padded here, to their longest member). Its native part is unpacked into the data folder, not the home folder.
     */
    public static HuggingFaceTokenizer tokenizer(Path json, int maxTokens, DataHome home) {
        if (!Files.isRegularFile(json)) {
            throw new CompressionException("tokenizer file " + json + " not found");
        }
        if (System.getProperty("DJL_CACHE_DIR") == null && System.getenv("DJL_CACHE_DIR") == null) {
            System.setProperty("DJL_CACHE_DIR", home.dir("native").toString());
        }
        try {
            return HuggingFaceTokenizer.builder().optTokenizerPath(json).optMaxLength(maxTokens).optTruncation(true)
                    .optPadding(false).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw new CompressionException("cannot read tokenizer " + json + ": " + e.getMessage(), e);
        }
    }

    public BertEncoder encoder() {
        return encoder;
    }

    public int maxTokens() {
        return maxTokens;
    }

    /** Token ids of each text, [CLS] ... [SEP], truncated. */
    public long[][] tokenIds(List<String> texts) {
        long[][] ids = new long[texts.size()][];
        for (int i = 0; i < texts.size(); i++) {
            Encoding e = tokenizer.encode(texts.get(i));
            ids[i] = e.getIds();
        }
        return ids;
    }

    /** The unit-length sentence embeddings [n, width], in the texts' order; batches of similar lengths. */
    public INDArray embed(List<String> texts, int batch, IntConsumer progress) {
        long[][] ids = tokenIds(texts);
        float[][] rows = new float[texts.size()][];
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingInt(i -> ids[i].length));
        for (int from = 0; from < order.size(); from += batch) {
            List<Integer> part = order.subList(from, Math.min(order.size(), from + batch));
            long[][] mask = new long[part.size()][];
            long[][] padded = new long[part.size()][];
            // lengths rounded up to a multiple of 8 (masked): fewer distinct shapes for runtimes that keep a plan per
            // shape, at a few padded positions' cost
            int longest = ids[part.get(part.size() - 1)].length;
            int len = Math.max(longest, Math.min(maxTokens, (longest + 7) / 8 * 8));
            for (int j = 0; j < part.size(); j++) {
                long[] x = ids[part.get(j)];
                padded[j] = java.util.Arrays.copyOf(x, len);
                mask[j] = new long[len];
                java.util.Arrays.fill(mask[j], 0, x.length, 1);
            }
            float[][] pooled = meanPool(encoder.hidden(padded, mask), mask).toFloatMatrix();
            for (int j = 0; j < part.size(); j++) {
                rows[part.get(j)] = pooled[j];
            }
            if (progress != null) {
                progress.accept(part.size());
            }
        }
        return rows.length == 0 ? Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, 0, encoder.width())
                : Nd4j.createFromArray(rows);
    }

    /**
     * The mean of the states of each sequence's real tokens, scaled to unit length (sentence-transformers' Pooling +
     * Normalize). A few whole-batch operations: per-row ones cost more than the encoder for short sentences.
     */
    public static INDArray meanPool(INDArray hidden, long[][] mask) {
        int b = (int) hidden.size(0);
        int len = (int) hidden.size(1);
        float[] m = new float[b * len];
        float[] count = new float[b];
        for (int i = 0; i < b; i++) {
            for (int t = 0; t < len; t++) {
                if (mask[i][t] != 0) {
                    m[i * len + t] = 1;
                    count[i]++;
                }
            }
        }
        INDArray masked = hidden.dup('c');
        org.nd4j.linalg.factory.Broadcast.mul(masked, Nd4j.create(m, new long[] {b, len}, 'c'), masked, 0, 1);
        INDArray mean = masked.sum(1).diviColumnVector(Nd4j.create(count, new long[] {b, 1}, 'c'));
        INDArray norm = mean.norm2(1).reshape(b, 1);
        return mean.diviColumnVector(Transforms.max(norm, 1e-12, false));
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
