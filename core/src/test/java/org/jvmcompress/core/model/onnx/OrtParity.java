package org.jvmcompress.core.model.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** An encoder of the suite against ONNX Runtime running the same ONNX file, on the fixture's real sentences. */
public final class OrtParity {
    private OrtParity() {}

    /** The fixture's real sentences (reviews, news, glosses, accents, CJK, a URL, one over 256 word pieces, last). */
    public static List<String> sentences() throws IOException {
        try (InputStream in = OrtParity.class.getResourceAsStream("/minilm/sentences.txt")) {
            return Arrays.stream(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"))
                    .filter(s -> !s.isBlank()).toList();
        }
    }

    /**
     * The encoder against ONNX Runtime on the same file and the fixture's sentences, in batches of five padded
     * together (the mask path) and the 256-token text alone: {largest hidden-state difference, lowest cosine of the
     * sentence embeddings}.
     */
    public static double[] compare(BertEncoder enc, SentenceEmbedder embedder, List<String> texts, Path model)
            throws Exception {
        long[][] ids = embedder.tokenIds(texts);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(model.toString(), new OrtSession.SessionOptions())) {
            double worst = 0;
            double worstCos = 1;
            for (int from = 0; from < ids.length - 1; from += 5) {
                int to = Math.min(ids.length - 1, from + 5);
                int len = 0;
                for (int i = from; i < to; i++) {
                    len = Math.max(len, ids[i].length);
                }
                long[][] in = new long[to - from][len];
                long[][] mask = new long[to - from][len];
                for (int i = from; i < to; i++) {
                    System.arraycopy(ids[i], 0, in[i - from], 0, ids[i].length);
                    java.util.Arrays.fill(mask[i - from], 0, ids[i].length, 1);
                }
                float[][][] ref = runOrt(env, s, in, mask);
                INDArray ours = enc.hidden(in, mask);
                INDArray oursPooled = SentenceEmbedder.meanPool(ours, mask);
                INDArray refPooled = SentenceEmbedder.meanPool(org.nd4j.linalg.factory.Nd4j.create(ref), mask);
                for (int b = 0; b < in.length; b++) {
                    int n = ids[from + b].length;
                    for (int t = 0; t < n; t++) {
                        for (int c = 0; c < enc.width(); c++) {
                            worst = Math.max(worst, Math.abs(ref[b][t][c] - ours.getDouble(b, t, c)));
                        }
                    }
                    worstCos = Math.min(worstCos, oursPooled.getRow(b).mul(refPooled.getRow(b)).sumNumber().doubleValue());
                }
            }
            long[][] one = {ids[ids.length - 1]};
            long[][] oneMask = {new long[one[0].length]};
            java.util.Arrays.fill(oneMask[0], 1);
            float[][][] ref = runOrt(env, s, one, oneMask);
            INDArray ours = enc.hidden(one, oneMask);
            for (int t = 0; t < one[0].length; t++) {
                for (int c = 0; c < enc.width(); c++) {
                    worst = Math.max(worst, Math.abs(ref[0][t][c] - ours.getDouble(0, t, c)));
                }
            }
            return new double[] {worst, worstCos};
        }
    }

    static float[][][] runOrt(OrtEnvironment env, OrtSession s, long[][] ids, long[][] mask) throws Exception {
        Map<String, OnnxTensor> in = new HashMap<>();
        long[][] types = new long[ids.length][ids[0].length];
        try (OnnxTensor a = OnnxTensor.createTensor(env, ids); OnnxTensor b = OnnxTensor.createTensor(env, mask);
             OnnxTensor c = OnnxTensor.createTensor(env, types)) {
            in.put("input_ids", a);
            in.put("attention_mask", b);
            in.put("token_type_ids", c);
            try (OrtSession.Result r = s.run(in)) {
                return (float[][][]) r.get(0).getValue();
            }
        }
    }
}
