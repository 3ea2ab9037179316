package org.jvmcompress.core.model.onnx;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import onnx.Onnx;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.util.Matrices;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Broadcast;
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
 * exact (erf) GELU, additive attention mask, as BERT. The same export after ONNX Runtime's dynamic quantisation
 * ({@code MatMulInteger} projections, uint8 embedding tables) is read too, its projections as {@link Int8}. Anything
 * that is not one of these graphs is refused with the reason.
 */
public final class BertEncoder {
    /** The op types of a BERT export (shape plumbing included); any other op means it is some other graph. */
    static final Set<String> OPS = Set.of("Reshape", "MatMul", "Unsqueeze", "Slice", "Pow", "Div", "Constant", "Cast",
            "Softmax", "Mul", "Shape", "Concat", "Erf", "Transpose", "ReduceMean", "Sub", "Gather", "Add", "Sqrt",
            "Identity", "DynamicQuantizeLinear", "MatMulInteger", "DequantizeLinear");

    /** A projection x W + b of a block: rows [n, in] to a new [n, out]. */
    public interface Projection {
        INDArray apply(INDArray x);

        /** Stored values: weights and bias. */
        long numParams();
    }

    /**
     * A float projection, W stored as [in, out] like the export's MatMul right operand, followed by BERT's exact GELU
     * where {@code gelu} (the feed-forward's first projection).
     */
    public record Dense(INDArray w, INDArray b, boolean gelu) implements Projection {
        public Dense(INDArray w, INDArray b) {
            this(w, b, false);
        }

        @Override
        public INDArray apply(INDArray x) {
            INDArray h = linear(x, w, b);
            return gelu ? BertEncoder.gelu(h) : h;
        }

        @Override
        public long numParams() {
            return w.length() + b.length();
        }
    }

    /**
     * An int8 projection as ONNX Runtime's dynamic quantisation stores it: int8 weight codes [in, out] row-major with
     * one scale per output column (zero point 0); each call quantises its input to uint8 over the input's own range
     * with a zero point (ONNX DynamicQuantizeLinear), multiplies in integers and scales the products back. Run here
     * with float arithmetic on the integer values: the reference that faster integer runtimes are checked against.
     */
    public record Int8(byte[] codes, int in, int out, float[] scales, INDArray b, boolean gelu) implements Projection {
        public Int8 {
            if (codes.length != (long) in * out || scales.length != out || b.length() != out) {
                throw new CompressionException("int8 projection: " + codes.length + " codes, " + scales.length
                        + " scales and " + b.length() + " biases do not fit [" + in + ", " + out + "]");
            }
        }

        /** The int8 of a float projection (its activation kept). */
        public static Int8 quantize(Dense d) {
            return quantize(d.w(), d.b(), d.gelu());
        }

        /** Per-column symmetric int8 codes of float weights [in, out] (scale: the column's largest magnitude / 127). */
        public static Int8 quantize(INDArray w, INDArray b, boolean gelu) {
            return quantize(w, b, gelu, 127);
        }

        /**
         * Per-column symmetric codes in [-maxCode, maxCode]: 127 for full int8, 63 for 7-bit weights (what ONNX
         * Runtime calls reduce_range: no int16 saturation in u8 x s8 kernels on CPUs without VNNI).
         */
        public static Int8 quantize(INDArray w, INDArray b, boolean gelu, int maxCode) {
            if (maxCode < 1 || maxCode > 127) {
                throw new CompressionException("int8 weight codes up to " + maxCode + ": give 1 to 127");
            }
            int in = (int) w.size(0);
            int out = (int) w.size(1);
            float[] v = Matrices.floats(w);
            float[] scales = new float[out];
            for (int i = 0; i < v.length; i++) {
                scales[i % out] = Math.max(scales[i % out], Math.abs(v[i]));
            }
            for (int j = 0; j < out; j++) {
                scales[j] = scales[j] == 0 ? 1f : scales[j] / maxCode;
            }
            byte[] codes = new byte[v.length];
            for (int i = 0; i < v.length; i++) {
                codes[i] = (byte) Math.max(-maxCode, Math.min(maxCode, Math.rint(v[i] / scales[i % out])));
            }
            return new Int8(codes, in, out, scales, b.reshape(1, out), gelu);
        }

        /** The input's uint8 grid as ONNX DynamicQuantizeLinear defines it: {scale, zero point}. */
        public static float[] inputGrid(INDArray x) {
            // small inputs in one pass in Java: two ND4J reductions cost about 0.1 ms each in fixed overhead, which is
            // most of a projection's time for a sentence or two
            float[] v = smallValues(x);
            if (v != null) {
                return inputGrid(v);
            }
            return grid(Math.min(0, x.minNumber().doubleValue()), Math.max(0, x.maxNumber().doubleValue()));
        }

        /** The grid of values already read. */
        public static float[] inputGrid(float[] v) {
            float mn = 0;
            float mx = 0;
            for (float f : v) {
                mn = Math.min(mn, f);
                mx = Math.max(mx, f);
            }
            return grid(mn, mx);
        }

        private static float[] grid(double lo, double hi) {
            float scale = (float) ((hi - lo) / 255);
            if (scale == 0) {
                return new float[] {1f, 0f};
            }
            return new float[] {scale, (float) Math.max(0, Math.min(255, Math.rint(-lo / scale)))};
        }

        /** A small array's values (up to 262,144) read into Java, row-major; null for a larger one. */
        public static float[] smallValues(INDArray x) {
            return x.length() > 1 << 18 ? null : Matrices.floats(x);
        }

        /** uint8 codes of values on a grid: rint(v / scale) + zero point, saturated, as ONNX DynamicQuantizeLinear. */
        public static byte[] codes(float[] v, float[] grid) {
            float inv = 1f / grid[0];
            int zp = (int) grid[1];
            byte[] q = new byte[v.length];
            for (int i = 0; i < v.length; i++) {
                q[i] = (byte) Math.max(0, Math.min(255, (int) Math.rint(v[i] * inv) + zp));
            }
            return q;
        }

        @Override
        public INDArray apply(INDArray x) {
            float[] grid = inputGrid(x);
            // x times the reciprocal of the scale, as an integer runtime applies it (ONNX divides: the two differ
            // only where x / scale lies within a float rounding of a half step)
            INDArray q = Transforms.round(x.mul(1f / grid[0]), false).addi(grid[1]);
            q = Transforms.min(Transforms.max(q, 0, false), 255, false).subi(grid[1]);
            INDArray wf = Nd4j.createFromArray(codes).castTo(DataType.FLOAT).reshape(in, out);
            float[] s = new float[out];
            for (int j = 0; j < out; j++) {
                s[j] = scales[j] * grid[0];
            }
            INDArray h = linear(q, wf, Nd4j.zeros(DataType.FLOAT, 1, out)).muliRowVector(Nd4j.createFromArray(s))
                    .addiRowVector(b);
            return gelu ? BertEncoder.gelu(h) : h;
        }

        @Override
        public long numParams() {
            return codes.length + b.length();
        }

        /** The projections side by side (one input grid for all, as for the three of attention). */
        static Int8 concat(List<Int8> parts) {
            int in = parts.get(0).in();
            int out = parts.stream().mapToInt(Int8::out).sum();
            if (parts.stream().anyMatch(Int8::gelu)) {
                throw new CompressionException("int8 projections with an activation cannot be put side by side");
            }
            byte[] codes = new byte[in * out];
            float[] scales = new float[out];
            INDArray[] b = new INDArray[parts.size()];
            int col = 0;
            for (int k = 0; k < parts.size(); k++) {
                Int8 p = parts.get(k);
                if (p.in() != in) {
                    throw new CompressionException("int8 projections with " + in + " and " + p.in() + " inputs");
                }
                for (int i = 0; i < in; i++) {
                    System.arraycopy(p.codes(), i * p.out(), codes, i * out + col, p.out());
                }
                System.arraycopy(p.scales(), 0, scales, col, p.out());
                b[k] = p.b().reshape(1, p.out());
                col += p.out();
            }
            return new Int8(codes, in, out, scales, Nd4j.hstack(b), false);
        }
    }

    /** Projections of one input side by side: their outputs concatenated by column. */
    record Stacked(List<Projection> parts) implements Projection {
        @Override
        public INDArray apply(INDArray x) {
            return Nd4j.hstack(parts.stream().map(p -> p.apply(x)).toArray(INDArray[]::new));
        }

        @Override
        public long numParams() {
            return parts.stream().mapToLong(Projection::numParams).sum();
        }
    }

    /** The query, key and value projections as one (one product instead of three where they are alike). */
    static Projection fuse(Projection q, Projection k, Projection v) {
        if (q instanceof Dense a && k instanceof Dense b && v instanceof Dense c && !a.gelu() && !b.gelu()
                && !c.gelu()) {
            return new Dense(Nd4j.hstack(a.w(), b.w(), c.w()), Nd4j.concat(0, a.b().reshape(-1), b.b().reshape(-1),
                    c.b().reshape(-1)).reshape(1, -1));
        }
        if (q instanceof Int8 a && k instanceof Int8 b && v instanceof Int8 c && !a.gelu() && !b.gelu()
                && !c.gelu()) {
            return Int8.concat(List.of(a, b, c));
        }
        return new Stacked(List.of(q, k, v));
    }

    /**
     * One post-norm block: attention (q, k, v fused), its output projection and norm, the feed-forward (its first
     * projection carries the GELU) and norm.
     */
    public record Layer(Projection qkv, Projection attnOut, Norm norm1, Projection ffnIn, Projection ffnOut,
                        Norm norm2) {
        long numParams() {
            return qkv.numParams() + attnOut.numParams() + ffnIn.numParams() + ffnOut.numParams() + norm1.numParams()
                    + norm2.numParams();
        }

        Layer map(UnaryOperator<Projection> f, UnaryOperator<Norm> g) {
            return new Layer(f.apply(qkv), f.apply(attnOut), g.apply(norm1), f.apply(ffnIn), f.apply(ffnOut),
                    g.apply(norm2));
        }
    }

    /**
     * Scaled dot-product self-attention over the fused projections: {@code qkv} [batch * length, 3 width] row-major
     * (queries, keys, values side by side, each split into heads), {@code maskBias} [batch, length] added to every
     * score of a key position (0 or a large negative number; null when no position is padding); the context
     * [batch * length, width] row-major.
     */
    public interface Attention {
        INDArray apply(INDArray qkv, int batch, int length, INDArray maskBias);
    }

    /** Attention in ND4J ops: one batched product for the scores, softmax, one for the context. */
    public record NdAttention(int heads, int width) implements Attention {
        @Override
        public INDArray apply(INDArray qkv5, int b, int len, INDArray maskBias) {
            int hs = width / heads;
            // [b*len, 3w] -> [3, b, heads, len, head size]
            INDArray qkv = qkv5.reshape(b, len, 3, heads, hs).permute(2, 0, 3, 1, 4).dup('c');
            INDArray q = qkv.get(NDArrayIndex.point(0)).divi(Math.sqrt(hs));
            INDArray k = qkv.get(NDArrayIndex.point(1));
            INDArray v = qkv.get(NDArrayIndex.point(2));
            INDArray scores = Nd4j.matmul(q, k, false, true, false); // [b, h, len, len]
            if (maskBias != null) {
                Broadcast.add(scores, maskBias, scores, 0, 3);
            }
            INDArray p = Transforms.softmax(scores.reshape(-1, len), false).reshape(b, heads, len, len);
            return Nd4j.matmul(p, v).permute(0, 2, 1, 3).dup('c').reshape(b * len, width);
        }
    }

    /** Layer normalisation of each row of [rows, width]; may work in place. */
    public interface Norm {
        INDArray apply(INDArray x);

        long numParams();
    }

    /** Layer normalisation with the export's gain, bias and epsilon, in ND4J ops. */
    public record LayerNorm(INDArray gain, INDArray bias, double eps) implements Norm {
        @Override
        public INDArray apply(INDArray x) {
            INDArray d = x.subColumnVector(x.mean(true, 1));
            INDArray sd = Transforms.sqrt(d.mul(d).mean(true, 1).addi(eps), false);
            return d.diviColumnVector(sd).muliRowVector(gain).addiRowVector(bias);
        }

        @Override
        public long numParams() {
            return gain.length() + bias.length();
        }
    }

    private final INDArray words;
    private final INDArray positions;
    private final INDArray types;
    private final Norm embNorm;
    private final Attention attention;
    private final List<Layer> layers;
    private final int width;
    private final int heads;

    private BertEncoder(INDArray words, INDArray positions, INDArray types, Norm embNorm, List<Layer> layers,
                        int heads, Attention attention) {
        this.words = words;
        this.positions = positions;
        this.types = types;
        this.embNorm = embNorm;
        this.attention = attention;
        this.layers = layers;
        this.width = (int) words.size(1);
        this.heads = heads;
    }

    /** Reads a BERT export, float or dynamically quantised; a clear error for a file that is not one. */
    public static BertEncoder read(Path file) {
        return read(file, OnnxLowering.parse(file).getGraph());
    }

    /** As {@link #read(Path)} for the graph already parsed from {@code file} (named in errors). */
    public static BertEncoder read(Path file, Onnx.GraphProto g) {
        Set<String> other = new LinkedHashSet<>();
        g.getNodeList().forEach(n -> {
            if (!OPS.contains(n.getOpType())) {
                other.add(n.getOpType());
            }
        });
        if (!other.isEmpty()) {
            throw new CompressionException("ONNX model " + file + " is not a BERT encoder export: it has ops "
                    + String.join(", ", other));
        }
        Map<String, Onnx.TensorProto> init = new HashMap<>();
        for (Onnx.TensorProto t : g.getInitializerList()) {
            init.put(t.getName(), t);
        }
        Map<String, Onnx.NodeProto> nodes = new HashMap<>();
        Map<String, Onnx.NodeProto> producers = new HashMap<>();
        for (Onnx.NodeProto n : g.getNodeList()) {
            nodes.put(n.getName(), n);
            n.getOutputList().forEach(o -> producers.put(o, n));
            if (n.getOpType().equals("Constant")) {
                init.put(n.getOutput(0), n.getAttribute(0).getT());
            }
        }
        Reader r = new Reader(file, init, nodes, producers);
        INDArray words = r.table("embeddings.word_embeddings.weight");
        int width = (int) words.size(1);
        double eps = r.constant("/embeddings/LayerNorm/Add", 1);
        List<Layer> layers = new java.util.ArrayList<>();
        for (int i = 0; r.has("/encoder/layer." + i + "/attention/self/query/MatMul"); i++) {
            String n = "/encoder/layer." + i + "/";
            String p = "encoder.layer." + i + ".";
            layers.add(new Layer(fuse(
                    r.projection(n + "attention/self/query/MatMul", p + "attention.self.query.bias", false),
                    r.projection(n + "attention/self/key/MatMul", p + "attention.self.key.bias", false),
                    r.projection(n + "attention/self/value/MatMul", p + "attention.self.value.bias", false)),
                    r.projection(n + "attention/output/dense/MatMul", p + "attention.output.dense.bias", false),
                    new LayerNorm(r.floats(p + "attention.output.LayerNorm.weight"),
                            r.floats(p + "attention.output.LayerNorm.bias"), eps),
                    r.projection(n + "intermediate/dense/MatMul", p + "intermediate.dense.bias", true),
                    r.projection(n + "output/dense/MatMul", p + "output.dense.bias", false),
                    new LayerNorm(r.floats(p + "output.LayerNorm.weight"), r.floats(p + "output.LayerNorm.bias"),
                            eps)));
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
        return new BertEncoder(words, r.table("embeddings.position_embeddings.weight"),
                r.table("embeddings.token_type_embeddings.weight"), new LayerNorm(r.floats("embeddings.LayerNorm.weight"),
                r.floats("embeddings.LayerNorm.bias"), eps), List.copyOf(layers), (int) (width / headSize),
                new NdAttention((int) (width / headSize), width));
    }

    /** Finds the named weights of the export, each missing one named in the error. */
    private record Reader(Path file, Map<String, Onnx.TensorProto> init, Map<String, Onnx.NodeProto> nodes,
                          Map<String, Onnx.NodeProto> producers) {
        Onnx.TensorProto stored(String name) {
            Onnx.TensorProto t = init.get(name);
            if (t == null) {
                throw new CompressionException("ONNX model " + file + " has no initializer " + name
                        + ": not a Hugging Face BERT export");
            }
            return t;
        }

        INDArray floats(String name) {
            return OnnxLowering.tensor(stored(name));
        }

        boolean has(String node) {
            return nodes.containsKey(node) || nodes.containsKey(node + "_quant");
        }

        Onnx.NodeProto node(String name) {
            Onnx.NodeProto n = nodes.get(name);
            if (n == null) {
                throw new CompressionException("ONNX model " + file + " has no node " + name
                        + ": not a Hugging Face BERT export");
            }
            return n;
        }

        /** An embedding table: float, or uint8/int8 codes with one scale and zero point (dequantised here). */
        INDArray table(String name) {
            if (init.containsKey(name)) {
                return floats(name);
            }
            Onnx.TensorProto q = stored(name + "_quantized");
            byte[] codes = OnnxLowering.bytes(q);
            float s = floats(name + "_scale").getFloat(0);
            boolean unsigned = q.getDataType() == Onnx.TensorProto.DataType.UINT8_VALUE;
            int zero = OnnxLowering.bytes(stored(name + "_zero_point"))[0];
            if (unsigned) {
                zero &= 0xff;
            }
            float[] v = new float[codes.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = ((unsigned ? codes[i] & 0xff : codes[i]) - zero) * s;
            }
            return Nd4j.create(v, q.getDimsList().stream().mapToLong(Long::longValue).toArray(), 'c');
        }

        /**
         * The projection computed at a MatMul node (float weights) or at its {@code _quant} MatMulInteger (int8
         * weights with per-column scales, input quantised by DynamicQuantizeLinear), plus its bias.
         */
        Projection projection(String matmul, String bias, boolean gelu) {
            INDArray b = floats(bias).reshape(1, -1);
            if (nodes.containsKey(matmul)) {
                return new Dense(floats(node(matmul).getInput(1)), b, gelu);
            }
            Onnx.NodeProto mm = node(matmul + "_quant");
            Onnx.NodeProto src = producers.get(mm.getInput(0));
            if (!mm.getOpType().equals("MatMulInteger") || src == null
                    || !src.getOpType().equals("DynamicQuantizeLinear")) {
                throw new CompressionException("ONNX model " + file + ": " + mm.getName() + " is not an integer"
                        + " product of a dynamically quantised input");
            }
            Onnx.TensorProto w = stored(mm.getInput(1));
            if (w.getDataType() != Onnx.TensorProto.DataType.INT8_VALUE || w.getDimsCount() != 2) {
                throw new CompressionException("ONNX model " + file + ": weights " + w.getName() + " are not a"
                        + " 2-D int8 tensor");
            }
            for (byte z : OnnxLowering.bytes(stored(mm.getInput(3)))) {
                if (z != 0) {
                    throw new CompressionException("ONNX model " + file + ": weights " + w.getName()
                            + " have a non-zero zero point (only symmetric int8 weights are read)");
                }
            }
            int in = (int) w.getDims(0);
            int out = (int) w.getDims(1);
            INDArray s = floats(node(matmul + "_quant_scales_mul").getInput(1)).reshape(-1);
            float[] scales = new float[out];
            for (int j = 0; j < out; j++) {
                scales[j] = s.getFloat(s.length() == 1 ? 0 : j);
            }
            return new Int8(OnnxLowering.bytes(w), in, out, scales, b, gelu);
        }

        /** The scalar constant that is input {@code i} of a node. */
        double constant(String node, int i) {
            return floats(node(node).getInput(i)).getDouble(0);
        }
    }

    /** This encoder with every projection replaced by {@code f} of it (e.g. quantised, or on another runtime). */
    public BertEncoder mapProjections(UnaryOperator<Projection> f) {
        return new BertEncoder(words, positions, types, embNorm, layers.stream().map(l -> l.map(f, n -> n)).toList(),
                heads, attention);
    }

    /** This encoder with every layer normalisation replaced by {@code g} of it (e.g. on another runtime). */
    public BertEncoder mapNorms(UnaryOperator<Norm> g) {
        return new BertEncoder(words, positions, types, g.apply(embNorm),
                layers.stream().map(l -> l.map(f -> f, g)).toList(), heads, attention);
    }

    /** How this encoder computes attention. */
    public Attention attention() {
        return attention;
    }

    /** This encoder with its attention computed by {@code a} (e.g. on another runtime). */
    public BertEncoder withAttention(Attention a) {
        return new BertEncoder(words, positions, types, embNorm, layers, heads, a);
    }

    /** The blocks, in order. */
    public List<Layer> layers() {
        return layers;
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

    /** Stored values: embedding tables, norms, projections' weights and biases. */
    public long numParams() {
        return words.length() + positions.length() + types.length() + embNorm.numParams()
                + layers.stream().mapToLong(Layer::numParams).sum();
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
        boolean padded = false;
        for (int i = 0; i < b; i++) {
            for (int t = 0; t < len; t++) {
                flat[i * len + t] = Math.toIntExact(ids[i][t]);
                bias[i * len + t] = mask[i][t] != 0 ? 0f : -1e9f;
                padded |= mask[i][t] == 0;
            }
        }
        // Rows gathered by one native op (getRows copies row by row) and broadcasts by Broadcast ops in place
        // (INDArray.broadcast materialises the tiled array first): together they took a third of the forward pass
        // at batch 256.
        INDArray x = Nd4j.pullRows(words, 1, flat).reshape(b, len, width); // [b, len, w]
        INDArray pos = positions.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, len),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup('c');
        Broadcast.add(x, pos, x, 1, 2);
        x = x.reshape(b * len, width);
        x.addiRowVector(types.getRow(0));
        x = embNorm.apply(x);
        INDArray maskBias = padded ? Nd4j.create(bias, new long[] {b, len}, 'c') : null;
        for (Layer l : layers) {
            INDArray ctx = attention.apply(l.qkv().apply(x), b, len, maskBias);
            // the skip connections as separate additions: oneDNN's sum post-op measured a third slower at batch 256
            x = l.norm1().apply(l.attnOut().apply(ctx).addi(x));
            INDArray h = l.ffnIn().apply(x); // GELU included
            x = l.norm2().apply(l.ffnOut().apply(h).addi(x));
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

    /** BERT's exact GELU, x (1 + erf(x / sqrt 2)) / 2, in place. */
    public static INDArray gelu(INDArray h) {
        INDArray erf = Nd4j.exec(new Erf(h.div(Math.sqrt(2))));
        return h.muli(erf.addi(1)).muli(0.5);
    }
}
