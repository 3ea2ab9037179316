package org.jvmcompress.quantize;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.DataHome;
import org.jvmcompress.core.data.Vocabulary;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.ModelDecorator;
import org.jvmcompress.core.model.ModelInfo;
import org.jvmcompress.core.model.Models;
import org.jvmcompress.core.model.onnx.PretrainedEncoder;
import org.jvmcompress.core.model.onnx.SentenceEmbedder;
import org.jvmcompress.core.runtime.NamedActivations;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A classifier made of a pretrained sentence encoder and a head trained on its embeddings, used like any model of a
 * text task (as a teacher, for evaluation). The file is the head (a DL4J zip) with a sidecar of the task (labels,
 * vocabulary, encoding, split) whose runtime section names the encoder and its ONNX file's SHA-256. On loading, the
 * model reads the task's token ids, writes them back as text with the task's vocabulary (padding dropped, unknown
 * words as the encoder's own unknown token), embeds that text with the encoder (oneDNN runtime) and applies the head:
 * it sees exactly what a student of the task sees. Intermediate result {@code embedding} (the sentence embedding) can
 * be read for feature knowledge.
 */
public final class EncoderHeads implements ModelDecorator {
    /** The runtime key that records the encoder's ONNX file hash. */
    public static final String ENCODER_SHA = "encoder_onnx_sha256";
    public static final String EMBEDDING = "embedding";
    private static final String OUTPUT = "output";
    private static final Map<String, SentenceEmbedder> EMBEDDERS = new HashMap<>();

    @Override
    public LoadedModel decorate(LoadedModel m) {
        ModelInfo info = m.info();
        Object name = info == null || info.runtime() == null ? null : info.runtime().get(Models.ENCODER);
        if (name == null) {
            return m;
        }
        if (m.graph() == null) {
            throw new CompressionException("model " + m.path() + ": a head on an encoder must be a DL4J network");
        }
        PretrainedEncoder pe = PretrainedEncoder.get(name.toString());
        Object sha = info.runtime().get(ENCODER_SHA);
        if (!pe.onnxSha256().equals(sha)) {
            throw new CompressionException("model " + m.path() + " was trained on encoder " + name + " with ONNX file "
                    + sha + ", but " + pe.name() + " is " + pe.onnxSha256() + " here");
        }
        if (!"tokens".equals(info.input()) || info.vocabulary() == null) {
            throw new CompressionException("model " + m.path() + ": a head on an encoder reads a text task's tokens;"
                    + " its sidecar has no vocabulary");
        }
        Head head = new Head(m.graph(), pe, new Vocabulary(info.vocabulary()));
        return new LoadedModel(null, info, m.path(), "encoder-head", head, head.toString());
    }

    /** The sidecar runtime section of a head trained on {@code pe}'s embeddings of decoded task text. */
    public static Map<String, Object> runtime(PretrainedEncoder pe) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put(Models.ENCODER, pe.name());
        r.put(ENCODER_SHA, pe.onnxSha256());
        r.put("encoder_coordinates", pe.coordinates());
        r.put("input", "the task's token ids written back as text with its vocabulary (padding dropped, unknown words"
                + " as " + unknownToken() + "), embedded by the encoder (mean of the token states, unit length)");
        return r;
    }

    /** The encoders' unknown word piece (BERT's). */
    public static String unknownToken() {
        return "[UNK]";
    }

    /** The task's token-id rows [n, length] as the texts they stand for. */
    public static List<String> decode(INDArray ids, Vocabulary v) {
        float[][] rows = ids.toFloatMatrix();
        java.util.ArrayList<String> out = new java.util.ArrayList<>(rows.length);
        for (float[] r : rows) {
            out.add(v.decode(r, unknownToken()));
        }
        return out;
    }

    /** One embedder per encoder for the process (the model and its tokenizer loaded once). */
    static synchronized SentenceEmbedder embedder(PretrainedEncoder pe) {
        return EMBEDDERS.computeIfAbsent(pe.name(), k -> Encoders.embedder(pe, DataHome.resolve(null)));
    }

    /** The computation: decode, embed, head. */
    private static final class Head implements UnaryOperator<INDArray>, NamedActivations {
        private final ComputationGraph head;
        private final PretrainedEncoder pe;
        private final Vocabulary vocabulary;

        Head(ComputationGraph head, PretrainedEncoder pe, Vocabulary vocabulary) {
            this.head = head;
            this.pe = pe;
            this.vocabulary = vocabulary;
        }

        @Override
        public INDArray apply(INDArray ids) {
            return head.outputSingle(false, embed(ids));
        }

        private INDArray embed(INDArray ids) {
            return embedder(pe).embed(decode(ids, vocabulary), 64, null);
        }

        @Override
        public Map<String, INDArray> activations(INDArray x, Collection<String> names) {
            for (String n : names) {
                if (!n.equals(EMBEDDING) && !n.equals(OUTPUT)) {
                    throw new CompressionException("a head on " + pe.name() + " has the results " + EMBEDDING + " and "
                            + OUTPUT + ", not " + n);
                }
            }
            INDArray e = embed(x);
            Map<String, INDArray> out = new HashMap<>();
            out.put(EMBEDDING, e);
            out.put(OUTPUT, head.outputSingle(false, e));
            return out;
        }

        @Override
        public String outputName() {
            return OUTPUT;
        }

        @Override
        public long numParams() {
            return embedder(pe).encoder().numParams() + head.numParams();
        }

        @Override
        public String toString() {
            return pe.name() + " encoder (" + Encoders.runtime() + ") + DL4J head";
        }
    }
}
