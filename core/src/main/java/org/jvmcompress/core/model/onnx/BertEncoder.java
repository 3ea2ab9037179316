package org.jvmcompress.core.model.onnx;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import onnx.Onnx;
import org.jvmcompress.core.CompressionException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A BERT encoder read from its ONNX export (Hugging Face {@code BertModel} as {@code torch.onnx.export} writes it:
 * inputs {@code input_ids}, {@code attention_mask}, {@code token_type_ids}; output {@code last_hidden_state}) and run
 * with ND4J's own ops. ND4J M2.1's SameDiff importer cannot run this graph (its position-id Slice of a dynamic shape
 * fails), so the export is read by structure instead: the weights by the module names the exporter keeps (node
 * {@code /encoder/layer.N/attention/self/query/MatMul}, initializer {@code encoder.layer.N.attention.output.LayerNorm.weight}),
 * the head size from the attention's scaling constant, the layer-norm epsilon from its constant. Post-norm blocks,
 * exact (erf) GELU, additive attention mask, as BERT. Anything that is not this graph is refused with the reason.
 */
public final class BertEncoder {
    /** The op types of a BERT export (shape plumbing included); any other op means it is some other graph. */
    static final Set<String> OPS = Set.of("Reshape", "MatMul", "Unsqueeze", "Slice", "Pow", "Div", "Constant", "Cast",
            "Softmax", "Mul", "Shape", "Concat", "Erf", "Transpose", "ReduceMean", "Sub", "Gather", "Add", "Sqrt",
            "Identity");

    /** One block's weights: projections stored as [in, out] (x W + b), as the export's MatMul right operands. */
    record Layer(INDArray wq, INDArray bq, INDArray wk, INDArray bk, INDArray wv, INDArray bv, INDArray wo,
                 INDArray bo, INDArray g1, INDArray n1, INDArray w1, INDArray c1, INDArray w2, INDArray c2,
                 INDArray g2, INDArray n2, INDArray wqkv, INDArray bqkv) {
        /** The three projections side by side [width, 3 width]: one product instead of three. */
        Layer(INDArray wq, INDArray bq, INDArray wk, INDArray bk, INDArray wv, INDArray bv, INDArray wo,
              INDArray bo, INDArray g1, INDArray n1, INDArray w1, INDArray c1, INDArray w2, INDArray c2,
              INDArray g2, INDArray n2) {
            this(wq, bq, wk, bk, wv, bv, wo, bo, g1, n1, w1, c1, w2, c2, g2, n2, Nd4j.hstack(wq, wk, wv),
                    Nd4j.concat(0, bq, bk, bv).reshape(1, -1));
        }
    }

    private final INDArray words;
    private final INDArray positions;
    private final INDArray types;
    private final INDArray embGain;
    private final INDArray embBias;
    private final List<Layer> layers;
    private final int width;
    private final int heads;
    private final double eps;
    private final long params;

    private BertEncoder(INDArray words, INDArray positions, INDArray types, INDArray embGain, INDArray embBias,
                        List<Layer> layers, int heads, double eps, long params) {
        this.words = words;
        this.positions = positions;
        this.types = types;
        this.embGain = embGain;
        this.embBias = embBias;
        this.layers = layers;
        this.width = (int) words.size(1);
        this.heads = heads;
        this.eps = eps;
        this.params = params;
    }

    /** Reads a BERT export; a clear error for a file that is not one. */
    public static BertEncoder read(Path file) {
        Onnx.GraphProto g = OnnxLowering.parse(file).getGraph();
        Set<String> other = new LinkedHashSet<>();
        g.getNodeList().forEach(n -> {
            if (!OPS.contains(n.getOpType())) {
                other.add(n.getOpType());
            }
        });
        if (!other.isEmpty()) {
            throw new CompressionException("ONNX model " + file + " is not a float BERT encoder export: it has ops "
                    + String.join(", ", other) + " (a quantised export runs in ONNX Runtime, not here)");
        }
        Map<String, INDArray> init = new HashMap<>();
        long params = 0;
        for (Onnx.TensorProto t : g.getInitializerList()) {
            INDArray a = OnnxLowering.tensor(t);
            init.put(t.getName(), a);
            if (a.dataType() == DataType.FLOAT) {
                params += a.length();
            }
        }
        Map<String, Onnx.NodeProto> nodes = new HashMap<>();
        for (Onnx.NodeProto n : g.getNodeList()) {
            nodes.put(n.getName(), n);
            if (n.getOpType().equals("Constant")) {
                init.put(n.getOutput(0), OnnxLowering.tensor(n.getAttribute(0).getT()));
            }
        }
        Reader r = new Reader(file, init, nodes);
        INDArray words = r.init("embeddings.word_embeddings.weight");
        int width = (int) words.size(1);
        List<Layer> layers = new java.util.ArrayList<>();
        for (int i = 0; nodes.containsKey("/encoder/layer." + i + "/attention/self/query/MatMul"); i++) {
            String n = "/encoder/layer." + i + "/";
            String p = "encoder.layer." + i + ".";
            layers.add(new Layer(r.matmul(n + "attention/self/query/MatMul"), r.init(p + "attention.self.query.bias"),
                    r.matmul(n + "attention/self/key/MatMul"), r.init(p + "attention.self.key.bias"),
                    r.matmul(n + "attention/self/value/MatMul"), r.init(p + "attention.self.value.bias"),
                    r.matmul(n + "attention/output/dense/MatMul"), r.init(p + "attention.output.dense.bias"),
                    r.init(p + "attention.output.LayerNorm.weight"), r.init(p + "attention.output.LayerNorm.bias"),
                    r.matmul(n + "intermediate/dense/MatMul"), r.init(p + "intermediate.dense.bias"),
                    r.matmul(n + "output/dense/MatMul"), r.init(p + "output.dense.bias"),
                    r.init(p + "output.LayerNorm.weight"), r.init(p + "output.LayerNorm.bias")));
        }
        if (layers.isEmpty()) {
            throw new CompressionException("ONNX model " + file + " has no node /encoder/layer.0/attention/self/query/"
                    + "MatMul: not a Hugging Face BERT export");
        }
        if (!nodes.containsKey("/encoder/layer.0/intermediate/intermediate_act_fn/Erf")) {
            throw new CompressionException("ONNX model " + file + ": the feed-forward activation is not the exact"
                    + " (erf) GELU of BERT");
        }
        // The scores are divided by sqrt(head size): the number of heads follows from the width.
        double scale = r.constant("/encoder/layer.0/attention/self/Div", 1);
        long headSize = Math.round(scale * scale);
        if (headSize < 1 || width % headSize != 0 || Math.abs(Math.sqrt(headSize) - scale) > 1e-4) {
            throw new CompressionException("ONNX model " + file + ": attention scale " + scale + " is not the square"
                    + " root of a head size dividing the width " + width);
        }
        double eps = r.constant("/embeddings/LayerNorm/Add", 1);
        return new BertEncoder(words, r.init("embeddings.position_embeddings.weight"),
                r.init("embeddings.token_type_embeddings.weight"), r.init("embeddings.LayerNorm.weight"),
                r.init("embeddings.LayerNorm.bias"), List.copyOf(layers), (int) (width / headSize), eps, params);
    }

    /** Finds the named weights of the export, each missing one named in the error. */
    private record Reader(Path file, Map<String, INDArray> init, Map<String, Onnx.NodeProto> nodes) {
        INDArray init(String name) {
            INDArray a = init.get(name);
            if (a == null) {
                throw new CompressionException("ONNX model " + file + " has no initializer " + name
                        + ": not a Hugging Face BERT export");
            }
            return a;
        }

        Onnx.NodeProto node(String name) {
            Onnx.NodeProto n = nodes.get(name);
            if (n == null) {
                throw new CompressionException("ONNX model " + file + " has no node " + name
                        + ": not a Hugging Face BERT export");
            }
            return n;
        }

        /** The stored right operand of a MatMul node: the weight [in, out]. */
        INDArray matmul(String node) {
            return init(node(node).getInput(1));
        }

        /** The scalar constant that is input {@code i} of a node. */
        double constant(String node, int i) {
            return init(node(node).getInput(i)).getDouble(0);
        }
    }

    public int numLayers() {
        return layers.size();
    }

    public int width() {
        return width;
    }

    public int heads() {
        return heads;
    }

    /** The input word-piece embeddings [vocabulary, width] (a view: do not change). */
    public INDArray wordEmbeddings() {
        return words;
    }

    public int vocabularySize() {
        return (int) words.size(0);
    }

    public int maxPositions() {
        return (int) positions.size(0);
    }

    public long numParams() {
        return params;
    }

    /**
     * The last hidden state [batch, length, width] for token ids and an attention mask (1 for a token, 0 for padding),
     * both [batch, length]; token type 0 throughout (single sentences).
     */
    public INDArray hidden(long[][] ids, long[][] mask) {
        // Every intermediate comes from one reused workspace: a fresh native array costs a page fault per 4 kB here
        // (about 14 ms for the 5 MB of a feed-forward activation), more than the matrix products themselves.
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, "bert-encoder")) {
            return forward(ids, mask).detach();
        }
    }

    private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.OVERALLOCATE).overallocationLimit(0.2)
            .policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE).build();

    private INDArray forward(long[][] ids, long[][] mask) {
        int b = ids.length;
        int len = ids[0].length;
        if (len > positions.size(0)) {
            throw new CompressionException("a sequence of " + len + " tokens is longer than the encoder's "
                    + positions.size(0) + " positions");
        }
        int[] flat = new int[b * len];
        float[] bias = new float[b * len];
        for (int i = 0; i < b; i++) {
            for (int t = 0; t < len; t++) {
                flat[i * len + t] = Math.toIntExact(ids[i][t]);
                bias[i * len + t] = mask[i][t] != 0 ? 0f : -1e9f;
            }
        }
        INDArray x = words.getRows(flat); // [b*len, w]
        INDArray pos = positions.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, len),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
        x = x.reshape(b, len, width).add(pos.reshape(1, len, width).broadcast(b, len, width)).reshape(b * len, width);
        x.addiRowVector(types.getRow(0));
        x = norm(x, embGain, embBias);
        INDArray maskBias = Nd4j.create(bias, new long[] {b, 1, 1, len}, 'c');
        int hs = width / heads;
        for (Layer l : layers) {
            // [b*len, 3w] -> [3, b, heads, len, head size]
            INDArray qkv = linear(x, l.wqkv, l.bqkv).reshape(b, len, 3, heads, hs).permute(2, 0, 3, 1, 4).dup('c');
            INDArray q = qkv.get(NDArrayIndex.point(0)).divi(Math.sqrt(hs));
            INDArray k = qkv.get(NDArrayIndex.point(1));
            INDArray v = qkv.get(NDArrayIndex.point(2));
            INDArray scores = Nd4j.matmul(q, k, false, true, false); // [b, h, len, len]
            scores.addi(maskBias.broadcast(b, heads, len, len));
            INDArray p = Transforms.softmax(scores.reshape(-1, len), false).reshape(b, heads, len, len);
            INDArray ctx = Nd4j.matmul(p, v).permute(0, 2, 1, 3).dup('c').reshape(b * len, width);
            INDArray a = linear(ctx, l.wo, l.bo).addi(x);
            x = norm(a, l.g1, l.n1);
            INDArray h = linear(x, l.w1, l.c1);
            INDArray erf = Nd4j.exec(new Erf(h.div(Math.sqrt(2))));
            h.muli(erf.addi(1)).muli(0.5);
            x = norm(linear(h, l.w2, l.c2).addi(x), l.g2, l.n2);
        }
        return x.reshape(b, len, width);
    }

    /**
     * x W + b into a new row-major array. Through gemm into a preallocated result: INDArray.mmul allocates a
     * column-major result and copies, about 8x slower at these shapes on this machine.
     */
    static INDArray linear(INDArray x, INDArray w, INDArray b) {
        INDArray out = Nd4j.createUninitialized(x.dataType(), x.size(0), w.size(1));
        Nd4j.gemm(x, w, out, false, false, 1.0, 0.0);
        return out.addiRowVector(b);
    }

    /** Layer normalisation of each row, with the export's epsilon. */
    private INDArray norm(INDArray x, INDArray gain, INDArray bias) {
        INDArray d = x.subColumnVector(x.mean(true, 1));
        INDArray sd = Transforms.sqrt(d.mul(d).mean(true, 1).addi(eps), false);
        return d.diviColumnVector(sd).muliRowVector(gain).addiRowVector(bias);
    }
}
