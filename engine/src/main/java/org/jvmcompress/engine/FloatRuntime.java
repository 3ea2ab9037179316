package org.jvmcompress.engine;

import org.jvmcompress.core.runtime.Backend;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.inner_product_forward;
import org.bytedeco.dnnl.lstm_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Float inference of a trained network straight on oneDNN primitives (through JavaCPP), without DL4J's per-layer
 * bookkeeping: batch normalisation folded into the convolution before it, ReLU fused into the convolution or dense
 * layer, activations kept in oneDNN's blocked layouts between layers, one primitive list per batch size built once
 * and reused. Text networks: the embedding lookup and mean-over-time pooling run in Java; a bidirectional LSTM runs
 * as oneDNN's LSTM primitive (both directions, concatenated); a 1-D convolution as a 2-D one over [1, length].
 *
 * <p>Runs chains of: 2-D convolution (with its batch norm and ReLU), max/average pooling, dense, softmax output;
 * embedding followed by global pooling, by a bidirectional LSTM and global max pooling, or by 1-D convolutions and
 * global max pooling. Dropout is inference's identity. {@link #compile} names the first layer it cannot run; callers
 * then keep DL4J. Results equal DL4J's to float rounding (tested to 1e-4 on the reference networks).
 */
public final class FloatRuntime implements org.jvmcompress.core.runtime.InferenceRuntime {
    private sealed interface Op permits Embed, Conv, Pool, GlobalPool, Lstm, Dense, Add {}

    /** Element-wise sum of this op's input and the output of op {@code other} (-1: the network input), then ReLU. */
    private record Add(String name, int other, boolean relu) implements Op {}

    /** Token lookup; the first op of a text network. */
    private record Embed(String name, int vocab, int dim, float[] table) implements Op {}

    /**
     * 2-D convolution, weights OIHW, batch norm folded in; 1-D convolutions have kh = 1 (over [1, length]);
     * {@code groups} > 1 splits the channels into that many groups (= in: depthwise, weights G x O/G x I/G x H x W).
     */
    private record Conv(String name, int out, int in, int kh, int kw, int sh, int sw, long[] pad, float[] weights,
                        float[] bias, boolean relu, int groups) implements Op {
        Conv(String name, int out, int in, int kh, int kw, int sh, int sw, long[] pad, float[] weights, float[] bias,
             boolean relu) {
            this(name, out, in, kh, kw, sh, sw, pad, weights, bias, relu, 1);
        }
    }

    private record Pool(boolean max, boolean includePad, int kh, int kw, int sh, int sw, ConvolutionMode mode, int[] pad) implements Op {}

    /** Pooling over all positions (time for text): max, or mean. */
    private record GlobalPool(boolean max) implements Op {}

    /** An LSTM over the sequence, one direction or two (outputs concatenated), weights in oneDNN's ldigo/ldgo order. */
    private record Lstm(String name, int dirs, int in, int hidden, float[] wLayer, float[] wIter, float[] bias)
            implements Op {}

    /** Dense layer, weights [out, in] (in = C*H*W of a flattened image, channel-major as DL4J flattens). */
    private record Dense(String name, int out, int in, float[] weights, float[] bias, boolean relu, boolean softmax)
            implements Op {}

    private final List<Op> ops;
    /** The op whose output each op reads (-1: the network input); i - 1 in a chain. */
    private final int[] from;
    /**
     * The vertices whose values are an op's output exactly, by name: the op's own, or the last batch norm or ReLU
     * folded into it, and identity vertices after those (a vertex folded over is not among them).
     */
    private final Map<String, Integer> valueOf;
    private final String outputName;
    private final long numParams;
    private final String description;
    private final engine eng;
    private final stream strm;
    private final Map<Long, Plan> plans = new HashMap<>();
    /** Plans that also give intermediate results, by batch size and the ops asked for. */
    private final Map<String, Plan> tapPlans = new HashMap<>();

    private FloatRuntime(List<Op> ops, int[] from, Map<String, Integer> valueOf, String outputName, long numParams,
                         String description) {
        this.ops = ops;
        this.from = from;
        this.valueOf = valueOf;
        this.outputName = outputName;
        this.numParams = numParams;
        this.description = description;
        this.eng = new engine(engine.kind.cpu, 0);
        this.strm = new stream(eng);
    }

    private static volatile String unavailable;
    private static volatile boolean checked;

    /** Whether oneDNN's native library loads on this machine. */
    public static synchronized boolean available() {
        if (!checked) {
            if (!Backend.onCpu()) {
                unavailable = "the ND4J backend is " + Backend.name() + ", and the oneDNN engine reads host memory";
            } else {
                try {
                    Loader.load(dnnl.class);
                } catch (Throwable t) {
                    unavailable = t.toString();
                }
            }
            checked = true;
        }
        return unavailable == null;
    }

    /** Why oneDNN did not load (null when it did). */
    public static String unavailableReason() {
        available();
        return unavailable;
    }

    /** System property choosing the float inference path: {@code auto} (this runtime where it applies) or {@code dl4j}. */
    public static final String PROPERTY = "compression.runtime";

    /**
     * The inference function to use for a network: this runtime when the network is one it runs and
     * {@value #PROPERTY} is not {@code dl4j}, else null (DL4J).
     */
    public static FloatRuntime forGraph(ComputationGraph g) {
        if (g == null || !Backend.oneDnnPath(PROPERTY)) {
            return null;
        }
        return available() ? tryCompile(g) : null;
    }

    /** The runtime for a network, or null (with DL4J to run it) when it has a layer this runtime does not run. */
    public static FloatRuntime tryCompile(ComputationGraph g) {
        try {
            return compile(g);
        } catch (CompressionException e) {
            return null;
        }
    }

    /** What ran: "oneDNN f32 (conv x4, pool x2, dense x2)". */
    @Override
    public String toString() {
        return description;
    }

    /** The runtime for a network, or an error naming the first layer it cannot run. */
    public static FloatRuntime compile(ComputationGraph g) {
        if (!available()) {
            throw new CompressionException("oneDNN is not available on this machine: " + unavailable);
        }
        Lowering.Lowered lw = Lowering.lower(g.getConfiguration());
        if (lw.inputs().size() != 1 || lw.outputs().size() != 1) {
            throw new CompressionException("float runtime: one input and one output needed");
        }
        List<Op> ops = new ArrayList<>();
        List<Integer> from = new ArrayList<>();
        // The op whose output each vertex's value is (-1: the network input); folded and skipped vertices name the
        // op before them.
        Map<String, Integer> producer = new HashMap<>();
        producer.put(lw.inputs().get(0), -1);
        Map<String, Integer> valueOf = new HashMap<>();
        for (Lowering.Node node : lw.nodes()) {
            String name = node.name();
            List<String> ins = node.inputs();
            if (node instanceof Lowering.Add) {
                ops.add(new Add(name, producer.get(ins.get(1)), false));
                from.add(producer.get(ins.get(0)));
                producer.put(name, ops.size() - 1);
                continue;
            }
            if (node instanceof Lowering.Unsupported u) {
                throw unsupported(name, u.why());
            }
            if (node instanceof Lowering.Other o) {
                throw unsupported(name, o.what() + (ins.size() != 1 ? " (the float runtime runs chains of layers and"
                        + " residual sums)" : ""));
            }
            int src = producer.get(ins.get(0));
            // Batch norm and ReLU fold into the op before them when nothing else reads that op's output.
            boolean foldable = src >= 0 && src == ops.size() - 1 && lw.readers().get(ins.get(0)) == 1;
            int opsBefore = ops.size();
            Map<String, INDArray> p = g.getLayer(name).paramTable();
            Op last = src >= 0 ? ops.get(src) : null;
            if (node instanceof Lowering.Embed e) {
                if (!ops.isEmpty()) {
                    throw unsupported(name, "an embedding after other layers");
                }
                if (e.hasBias() || p.containsKey("b")) {
                    throw unsupported(name, "an embedding with a bias");
                }
                long[] s = p.get("W").shape();
                ops.add(new Embed(name, (int) s[0], (int) s[1], floats(p.get("W"))));
            } else if (node instanceof Lowering.Conv cv && cv.oneD()) {
                if (last == null || last instanceof Dense) {
                    throw unsupported(name, "a 1-D convolution that does not read a sequence");
                }
                // Declared [out, in, k, 1], but DL4J's 1-D convolution reads the buffer as [k, in, out].
                long[] s = p.get("W").shape();
                int k = (int) s[2];
                int nIn = (int) s[1];
                int nOut = (int) s[0];
                float[] kio = floats(p.get("W"));
                float[] oik = new float[kio.length];
                for (int t = 0; t < k; t++) {
                    for (int ci = 0; ci < nIn; ci++) {
                        for (int o = 0; o < nOut; o++) {
                            oik[(o * nIn + ci) * k + t] = kio[(t * nIn + ci) * nOut + o];
                        }
                    }
                }
                long before = cv.mode() == ConvolutionMode.Same ? (k - 1) / 2 : cv.pad()[0];
                long after = cv.mode() == ConvolutionMode.Same ? k - 1 - before : cv.pad()[0];
                // Run as a 2-D convolution over [1, length] (oneDNN's kernels are tuned along the width).
                ops.add(new Conv(name, nOut, nIn, 1, k, 1, 1, new long[] {0, before, 0, after}, oik, bias(p, nOut),
                        cv.relu()));
            } else if (node instanceof Lowering.Conv cv && cv.multiplier() > 0) {
                // DL4J keeps depthwise weights as [kh, kw, in, multiplier]; output channel c * multiplier + m.
                long[] s = p.get("W").shape();
                int kh = (int) s[0];
                int kw = (int) s[1];
                int in = (int) s[2];
                int mult = (int) s[3];
                float[] hwim = floats(p.get("W"));
                float[] gmhw = new float[hwim.length];
                for (int y = 0; y < kh; y++) {
                    for (int x = 0; x < kw; x++) {
                        for (int ch = 0; ch < in; ch++) {
                            for (int m = 0; m < mult; m++) {
                                gmhw[((ch * mult + m) * kh + y) * kw + x] = hwim[((y * kw + x) * in + ch) * mult + m];
                            }
                        }
                    }
                }
                ops.add(new Conv(name, in * mult, in, kh, kw, cv.sh(), cv.sw(), modePad(cv.mode(), cv.pad()), gmhw,
                        bias(p, in * mult), cv.relu(), in));
            } else if (node instanceof Lowering.Conv cv) {
                long[] s = p.get("W").shape();
                ops.add(new Conv(name, (int) s[0], (int) s[1], (int) s[2], (int) s[3], cv.sh(), cv.sw(),
                        modePad(cv.mode(), cv.pad()), floats(p.get("W")), bias(p, (int) s[0]), cv.relu()));
            } else if (node instanceof Lowering.BatchNorm bn) {
                if (!(last instanceof Conv cv) || cv.relu() || !foldable) {
                    throw unsupported(name, "batch normalisation not right after a convolution without activation");
                }
                ops.set(ops.size() - 1, folded(cv, bn, p));
            } else if (node instanceof Lowering.Relu) {
                if (last instanceof Conv cv && !cv.relu() && foldable) {
                    ops.set(ops.size() - 1, new Conv(cv.name(), cv.out(), cv.in(), cv.kh(), cv.kw(), cv.sh(), cv.sw(),
                            cv.pad(), cv.weights(), cv.bias(), true, cv.groups()));
                } else if (last instanceof Dense d && !d.relu() && !d.softmax() && foldable) {
                    ops.set(ops.size() - 1, new Dense(d.name(), d.out(), d.in(), d.weights(), d.bias(), true, false));
                } else if (last instanceof Add ad && !ad.relu() && foldable) {
                    ops.set(ops.size() - 1, new Add(ad.name(), ad.other(), true));
                } else {
                    throw unsupported(name, "a ReLU that does not follow a convolution, dense layer or sum");
                }
            } else if (node instanceof Lowering.Identity) {
                // nothing to run: the vertex's value is its input's
            } else if (node instanceof Lowering.Pool pl) {
                ops.add(new Pool(pl.max(), pl.includePad(), pl.kh(), pl.kw(), pl.sh(), pl.sw(), pl.mode(), pl.pad()));
            } else if (node instanceof Lowering.GlobalPool gp && last != null) {
                ops.add(new GlobalPool(gp.max()));
            } else if (node instanceof Lowering.Lstm ls && (last instanceof Embed || last instanceof Lstm)) {
                ops.add(lstm(name, p, ls.bidirectional() ? new String[] {"f", "b"} : new String[] {""}));
            } else if (node instanceof Lowering.Dense d) {
                if (d.in() <= 0) {
                    throw unsupported(name, "unknown input size");
                }
                long[] s = p.get("W").shape(); // [in, out]
                ops.add(new Dense(name, (int) s[1], (int) s[0], floats(p.get("W").transpose()), bias(p, (int) s[1]),
                        d.relu(), d.output()));
            } else {
                throw unsupported(name, "layer type " + ((LayerVertex) g.getConfiguration().getVertices().get(name))
                        .getLayerConf().getLayer().getClass().getSimpleName() + " here");
            }
            if (ops.size() > opsBefore) {
                from.add(src);
            }
            producer.put(name, ops.size() > opsBefore ? ops.size() - 1 : src);
            if (ops.size() > opsBefore || src >= 0 && ops.get(src) != last) { // a new op, or one folded into op src
                int op = ops.size() > opsBefore ? ops.size() - 1 : src;
                valueOf.values().removeIf(v -> v == op);
                valueOf.put(name, op);
            } else if (valueOf.containsKey(ins.get(0))) {
                valueOf.put(name, valueOf.get(ins.get(0))); // identity or dropout: the same value, another name
            }
        }
        String outputName = lw.outputs().get(0);
        if (producer.get(outputName) != ops.size() - 1) {
            throw new CompressionException("float runtime: the output layer is not the last one to run");
        }
        boolean chain = true;
        for (int i = 0; i < from.size(); i++) {
            chain &= from.get(i) == i - 1;
        }
        if (!chain && !(ops.get(0) instanceof Conv)) {
            throw new CompressionException("float runtime: branches only in a network that starts with a convolution");
        }
        if (ops.isEmpty() || !(ops.get(ops.size() - 1) instanceof Dense d) || !d.softmax()) {
            throw new CompressionException("float runtime: the network must end in a softmax output layer");
        }
        if (ops.get(0) instanceof Pool || ops.get(0) instanceof GlobalPool) {
            throw new CompressionException("float runtime: pooling as the first layer");
        }
        if (ops.get(0) instanceof Embed && !(ops.get(1) instanceof Lstm || ops.get(1) instanceof Conv
                || ops.get(1) instanceof GlobalPool)) {
            throw new CompressionException("float runtime: an embedding must be followed by an LSTM, a 1-D convolution"
                    + " or pooling over time");
        }
        for (int i = 1; i < ops.size(); i++) {
            if (ops.get(i) instanceof Lstm && !(ops.get(i - 1) instanceof Embed || ops.get(i - 1) instanceof Lstm)
                    || ops.get(i - 1) instanceof Lstm && !(ops.get(i) instanceof GlobalPool || ops.get(i) instanceof Lstm)) {
                throw new CompressionException("float runtime: LSTMs must follow the embedding (or each other) and be"
                        + " pooled over time");
            }
        }
        foldBagProjection(ops);
        Map<String, Integer> counts = new java.util.LinkedHashMap<>();
        for (Op op : ops) {
            counts.merge(op.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
        }
        StringBuilder sb = new StringBuilder("oneDNN f32 (");
        counts.forEach((k, v) -> sb.append(sb.charAt(sb.length() - 1) == '(' ? "" : ", ").append(k)
                .append(v > 1 ? " x" + v : ""));
        if (!(ops.get(0) instanceof Conv)) {
            valueOf.clear(); // text networks: the embedding and what folds into it run in Java; no intermediate results
        }
        return new FloatRuntime(ops, from.stream().mapToInt(Integer::intValue).toArray(), valueOf,
                outputName, g.numParams(), sb.append(')').toString());
    }

    /**
     * Embedding, mean over time, dense: the mean and the dense layer's product commute, so the table is multiplied
     * by the dense weights once here ({@code E W^T}, vocab x out) and each example sums {@code out} values per token
     * instead of {@code dim}; the dense layer keeps only its bias (and ReLU). Done when out is at most dim.
     */
    private static void foldBagProjection(List<Op> ops) {
        if (ops.size() < 3 || !(ops.get(0) instanceof Embed e) || !(ops.get(1) instanceof GlobalPool gp) || gp.max()
                || !(ops.get(2) instanceof Dense d) || d.out() > e.dim() || d.in() != e.dim()) {
            return;
        }
        int dim = e.dim();
        int out = d.out();
        float[] t = new float[e.vocab() * out];
        for (int v = 0; v < e.vocab(); v++) {
            for (int o = 0; o < out; o++) {
                double sum = 0;
                for (int i = 0; i < dim; i++) {
                    sum += (double) e.table()[v * dim + i] * d.weights()[o * dim + i];
                }
                t[v * out + o] = (float) sum;
            }
        }
        float[] identity = new float[out * out];
        for (int o = 0; o < out; o++) {
            identity[o * out + o] = 1;
        }
        ops.set(0, new Embed(e.name(), e.vocab(), out, t));
        ops.set(2, new Dense(d.name(), out, out, identity, d.bias(), d.relu(), d.softmax()));
    }

    private static long[] modePad(ConvolutionMode mode, int[] pad) {
        return mode == ConvolutionMode.Same ? null : new long[] {pad[0], pad[1], pad[0], pad[1]};
    }

    /** A convolution with the batch normalisation after it folded into its weights and bias. */
    private static Conv folded(Conv cv, Lowering.BatchNorm bn, Map<String, INDArray> p) {
        int n = cv.out();
        float[] gamma = p.containsKey("gamma") ? floats(p.get("gamma")) : filled(n, (float) bn.gamma());
        float[] beta = p.containsKey("beta") ? floats(p.get("beta")) : filled(n, (float) bn.beta());
        float[] mean = floats(p.get("mean"));
        float[] std = new float[n];
        if (p.containsKey("log10stdev")) {
            float[] l = floats(p.get("log10stdev"));
            for (int i = 0; i < n; i++) {
                std[i] = (float) Math.pow(10, l[i]);
            }
        } else {
            float[] v = floats(p.get("var"));
            for (int i = 0; i < n; i++) {
                std[i] = (float) Math.sqrt(v[i] + bn.eps());
            }
        }
        float[] w = cv.weights().clone();
        float[] b = new float[n];
        int per = w.length / n;
        for (int o = 0; o < n; o++) {
            float k = gamma[o] / std[o];
            for (int i = 0; i < per; i++) {
                w[o * per + i] *= k;
            }
            b[o] = (cv.bias()[o] - mean[o]) * k + beta[o];
        }
        return new Conv(cv.name(), cv.out(), cv.in(), cv.kh(), cv.kw(), cv.sh(), cv.sw(), cv.pad(), w, b, false,
                cv.groups());
    }

    /** DL4J's LSTM blocks are (cell input, forget, output, input); oneDNN's gates (input, forget, cell, output). */
    private static final int[] DL4J_BLOCK_OF_GATE = {3, 1, 0, 2};

    /** DL4J's LSTM weights [rows, 4h] (row-major, blocks c, f, o, i) as oneDNN's [rows][gate i, f, c, o][h]. */
    static float[] toGates(float[] dl4j, int rows, int h) {
        float[] out = new float[rows * 4 * h];
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < 4; g++) {
                System.arraycopy(dl4j, r * 4 * h + DL4J_BLOCK_OF_GATE[g] * h, out, (r * 4 + g) * h, h);
            }
        }
        return out;
    }

    /** The inverse of {@link #toGates}. */
    static float[] fromGates(float[] gates, int rows, int h) {
        float[] out = new float[rows * 4 * h];
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < 4; g++) {
                System.arraycopy(gates, (r * 4 + g) * h, out, r * 4 * h + DL4J_BLOCK_OF_GATE[g] * h, h);
            }
        }
        return out;
    }

    /** An LSTM layer's weights (prefixes "f" and "b" in a Bidirectional wrapper, "" alone) in oneDNN's order. */
    private static Lstm lstm(String name, Map<String, INDArray> p, String[] dir) {
        int in = (int) p.get(dir[0] + "W").size(0);
        int h = (int) p.get(dir[0] + "RW").size(0);
        if (p.get(dir[0] + "RW").size(1) != 4L * h) {
            throw unsupported(name, "an LSTM with peephole weights");
        }
        int dirs = dir.length;
        float[] wl = new float[dirs * in * 4 * h];
        float[] wi = new float[dirs * h * 4 * h];
        float[] b = new float[dirs * 4 * h];
        for (int d = 0; d < dirs; d++) { // direction d's block of each array (ldigo / ldgo)
            System.arraycopy(toGates(floats(p.get(dir[d] + "W")), in, h), 0, wl, d * in * 4 * h, in * 4 * h);
            System.arraycopy(toGates(floats(p.get(dir[d] + "RW")), h, h), 0, wi, d * h * 4 * h, h * 4 * h);
            System.arraycopy(toGates(floats(p.get(dir[d] + "b")), 1, h), 0, b, d * 4 * h, 4 * h);
        }
        return new Lstm(name, dirs, in, h, wl, wi, b);
    }

    private static float[] floats(INDArray a) {
        return org.jvmcompress.core.util.Matrices.floats(a);
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static float[] bias(Map<String, INDArray> p, int n) {
        return p.containsKey("b") ? floats(p.get("b")) : new float[n];
    }

    private static CompressionException unsupported(String layer, String why) {
        return new CompressionException("float runtime: layer " + layer + ": " + why);
    }

    /** Primitive attributes with ReLU fused as a post-op when {@code relu} (the post-op goes into {@code keep}). */
    public static primitive_attr reluAttr(boolean relu, List<Object> keep) {
        primitive_attr attr = new primitive_attr();
        if (relu) {
            post_ops po = new post_ops();
            po.append_eltwise(1f, dnnl.algorithm.eltwise_relu, 0f, 0f);
            attr.set_post_ops(po);
            keep.add(po);
        }
        return attr;
    }

    /** A dense layer in Java: {@code h} [batch, in], weights [out, in] (row-major), then ReLU when asked. */
    static float[] dense(float[] h, int batch, int in, int out, float[] w, float[] bias, boolean relu) {
        float[] y = new float[batch * out];
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < out; o++) {
                float s = bias[o];
                int wr = o * in;
                int hr = b * in;
                for (int i = 0; i < in; i++) {
                    s += w[wr + i] * h[hr + i];
                }
                y[b * out + o] = relu ? Math.max(0, s) : s;
            }
        }
        return y;
    }

    /** [batch, channels, height, width] out of a window (convolution or pooling) over {@code in} with this padding. */
    static long[] outputDims(long[] in, long channels, long[] pad, int kh, int kw, int sh, int sw) {
        return new long[] {in[0], channels, (in[2] + pad[0] + pad[2] - kh) / sh + 1,
                (in[3] + pad[1] + pad[3] - kw) / sw + 1};
    }

    /** Padding [top, left, bottom, right] as DL4J computes it for the convolution mode. */
    public static long[] padding(ConvolutionMode mode, int[] pad, long h, long w, int kh, int kw, int sh, int sw) {
        if (mode == ConvolutionMode.Same) {
            long oh = (h + sh - 1) / sh;
            long ow = (w + sw - 1) / sw;
            long ph = Math.max(0, (oh - 1) * sh + kh - h);
            long pw = Math.max(0, (ow - 1) * sw + kw - w);
            return new long[] {ph / 2, pw / 2, ph - ph / 2, pw - pw / 2};
        }
        return new long[] {pad[0], pad[1], pad[0], pad[1]};
    }

    /**
     * The work for one batch size: a Java front (token lookup, or nothing for images), oneDNN primitives, and a Java
     * tail (pooling over time after an LSTM, the mean of an embedding bag, small dense layers after them).
     */
    private final class Plan {
        final int batch;
        final List<primitive> prims = new ArrayList<>();
        final List<IntMemoryMap> args = new ArrayList<>();
        final List<Object> keep = new ArrayList<>();
        memory input;
        memory output;
        /** Ops run in Java after the primitives (from this index on). */
        int javaFrom;
        /** Layout of the text input buffer: 0 images, 1 [T, N, C] for an LSTM, 2 [N, 1, T, C] for a conv. */
        int textLayout;
        long[] outDims;
        int length;

        /** Intermediate results asked for: the op, and its output in plain layout after a run. */
        final int[] tapOps;
        final memory[] taps;
        final long[][] tapDims;

        Plan(long n, long[] inShape) {
            this(n, inShape, new int[0]);
        }

        Plan(long n, long[] inShape, int[] tapOps) {
            this.tapOps = tapOps;
            this.taps = new memory[tapOps.length];
            this.tapDims = new long[tapOps.length][];
            batch = (int) n;
            javaFrom = ops.size();
            int first = 0;
            long[] cd;
            if (ops.get(0) instanceof Embed e) {
                length = (int) inShape[0];
                first = 1;
                Op next = ops.get(1);
                if (next instanceof Lstm) {
                    textLayout = 1;
                    cd = new long[] {length, n, e.dim()};
                    input = new memory(new memory.desc(cd, memory.data_type.f32, memory.format_tag.tnc), eng);
                } else if (next instanceof Conv) {
                    textLayout = 2;
                    cd = new long[] {n, e.dim(), 1, length};
                    input = new memory(new memory.desc(cd, memory.data_type.f32, memory.format_tag.acdb), eng);
                } else {
                    javaFrom = 2; // embedding bag: all in Java
                    return;
                }
            } else {
                cd = new long[inShape.length + 1];
                cd[0] = n;
                System.arraycopy(inShape, 0, cd, 1, inShape.length);
                input = new memory(new memory.desc(cd, memory.data_type.f32, cd.length == 4 ? memory.format_tag.abcd
                        : memory.format_tag.ab), eng);
            }
            memory cur = input;
            long[] inDims = cd;
            memory[] outs = new memory[ops.size()];
            long[][] dims = new long[ops.size()][];
            if (first == 1) { // the embedding's lookup fills the input buffer
                outs[0] = input;
                dims[0] = cd;
            }
            for (int i = first; i < ops.size(); i++) {
                Op op = ops.get(i);
                cur = from[i] < 0 ? input : outs[from[i]];
                cd = from[i] < 0 ? inDims : dims[from[i]];
                if (op instanceof Lstm l) {
                    boolean last = !(ops.get(i + 1) instanceof Lstm);
                    cur = lstm(l, cur, cd, last);
                    long t = cd[0];
                    int w = l.dirs() * l.hidden();
                    cd = new long[] {t, n, w};
                    if (last) { // pooling over time on oneDNN, what follows in Java
                        cur = overTime(cur, ((GlobalPool) ops.get(i + 1)).max(), n, w, t);
                        cd = new long[] {n, w};
                        javaFrom = i + 2;
                        break;
                    }
                } else if (op instanceof Conv c) {
                    long[] pad = c.pad() != null ? c.pad()
                            : padding(ConvolutionMode.Same, null, cd[2], cd[3], c.kh(), c.kw(), c.sh(), c.sw());
                    long[] od = outputDims(cd, c.out(), pad, c.kh(), c.kw(), c.sh(), c.sw());
                    cur = conv(c, cur, od, pad);
                    cd = od;
                } else if (op instanceof Pool p) {
                    long[] pad = padding(p.mode(), p.pad(), cd[2], cd[3], p.kh(), p.kw(), p.sh(), p.sw());
                    long[] od = outputDims(cd, cd[1], pad, p.kh(), p.kw(), p.sh(), p.sw());
                    cur = pool(p.max(), p.includePad(), cur, od, new long[] {p.sh(), p.sw()}, new long[] {p.kh(), p.kw()}, pad);
                    cd = od;
                } else if (op instanceof GlobalPool gp) {
                    long[] od = {n, cd[1], 1, 1};
                    cur = pool(gp.max(), true, cur, od, new long[] {1, 1}, new long[] {cd[2], cd[3]}, new long[4]);
                    cd = od;
                } else if (op instanceof Dense d) {
                    cur = dense(d, cur, cd);
                    cd = new long[] {n, d.out()};
                } else if (op instanceof Add a) {
                    long[] od = a.other() < 0 ? inDims : dims[a.other()];
                    if (!java.util.Arrays.equals(od, cd)) {
                        throw unsupported(a.name(), "a sum of " + java.util.Arrays.toString(cd) + " and "
                                + java.util.Arrays.toString(od));
                    }
                    cur = sum(a, cur, a.other() < 0 ? input : outs[a.other()]);
                }
                outs[i] = cur;
                dims[i] = cd;
                for (int k = 0; k < tapOps.length; k++) {
                    if (tapOps[k] == i) {
                        taps[k] = into(cur, new memory.desc(cd, memory.data_type.f32,
                                cd.length == 4 ? memory.format_tag.abcd : memory.format_tag.ab));
                        tapDims[k] = cd;
                    }
                }
            }
            output = cur;
            outDims = cd;
            for (int k = 0; k < tapOps.length; k++) {
                if (taps[k] == null) {
                    throw new CompressionException("float runtime: op " + tapOps[k] + " runs outside oneDNN");
                }
            }
        }

        private memory conv(Conv c, memory cur, long[] od, long[] pad) {
            memory.desc src = new memory.desc(cur.get_desc().dims(), memory.data_type.f32, memory.format_tag.any);
            int g = c.groups();
            long[] wd = g == 1 ? new long[] {c.out(), c.in(), c.kh(), c.kw()}
                    : new long[] {g, c.out() / g, c.in() / g, c.kh(), c.kw()};
            memory.desc wei = new memory.desc(wd, memory.data_type.f32, memory.format_tag.any);
            memory.desc bia = new memory.desc(new long[] {c.out()}, memory.data_type.f32, memory.format_tag.a);
            memory.desc dst = new memory.desc(od, memory.data_type.f32, memory.format_tag.any);
            convolution_forward.desc d = new convolution_forward.desc(dnnl.prop_kind.forward_inference,
                    dnnl.algorithm.convolution_direct, src, wei, bia, dst, new long[] {c.sh(), c.sw()},
                    new long[] {pad[0], pad[1]}, new long[] {pad[2], pad[3]});
            primitive_attr attr = reluAttr(c.relu());
            convolution_forward.primitive_desc pd = new convolution_forward.primitive_desc(d, attr, eng);
            memory in = into(cur, pd.src_desc());
            memory w = constant(wd, g == 1 ? memory.format_tag.abcd : memory.format_tag.abcde, c.weights(),
                    pd.weights_desc());
            memory b = constant(new long[] {c.out()}, memory.format_tag.a, c.bias(), bia);
            memory out = new memory(pd.dst_desc(), eng);
            add(new convolution_forward(pd), Map.of(dnnl.DNNL_ARG_SRC, in, dnnl.DNNL_ARG_WEIGHTS, w,
                    dnnl.DNNL_ARG_BIAS, b, dnnl.DNNL_ARG_DST, out));
            keep.add(new Object[] {src, wei, bia, dst, d, attr, pd});
            return out;
        }

        private memory pool(boolean max, boolean includePad, memory cur, long[] od, long[] strides, long[] kernel, long[] pad) {
            memory.desc dst = new memory.desc(od, memory.data_type.f32, memory.format_tag.any);
            pooling_forward.desc d = new pooling_forward.desc(dnnl.prop_kind.forward_inference,
                    max ? dnnl.algorithm.pooling_max : includePad ? dnnl.algorithm.pooling_avg_include_padding
                            : dnnl.algorithm.pooling_avg_exclude_padding, cur.get_desc(), dst,
                    strides, kernel, new long[] {pad[0], pad[1]}, new long[] {pad[2], pad[3]});
            pooling_forward.primitive_desc pd = new pooling_forward.primitive_desc(d, eng);
            memory out = new memory(pd.dst_desc(), eng);
            add(new pooling_forward(pd), Map.of(dnnl.DNNL_ARG_SRC, cur, dnnl.DNNL_ARG_DST, out), pd.workspace_desc());
            keep.add(new Object[] {dst, d, pd});
            return out;
        }

        /** x + y (y reordered to x's layout when they differ), then ReLU when the op says so. */
        private memory sum(Add a, memory x, memory y) {
            memory.desc dst = new memory.desc(x.get_desc().dims(), memory.data_type.f32, memory.format_tag.any);
            binary.desc d = new binary.desc(dnnl.algorithm.binary_add, x.get_desc(), x.get_desc(), dst);
            primitive_attr attr = reluAttr(a.relu());
            binary.primitive_desc pd = new binary.primitive_desc(d, attr, eng);
            memory y2 = into(y, x.get_desc());
            memory out = new memory(pd.dst_desc(), eng);
            add(new binary(pd), Map.of(dnnl.DNNL_ARG_SRC_0, x, dnnl.DNNL_ARG_SRC_1, y2, dnnl.DNNL_ARG_DST, out));
            keep.add(new Object[] {dst, d, attr, pd});
            return out;
        }

        private memory dense(Dense dn, memory cur, long[] cd) {
            long[] wd = cd.clone();
            wd[0] = dn.out();
            long inCount = 1;
            for (int k = 1; k < cd.length; k++) {
                inCount *= cd[k];
            }
            if (inCount != dn.in()) {
                throw unsupported(dn.name(), "input of " + inCount + " values for " + dn.in() + " weights per output");
            }
            memory.desc src = new memory.desc(cd, memory.data_type.f32, memory.format_tag.any);
            memory.desc wei = new memory.desc(wd, memory.data_type.f32, memory.format_tag.any);
            memory.desc bia = new memory.desc(new long[] {dn.out()}, memory.data_type.f32, memory.format_tag.a);
            memory.desc dst = new memory.desc(new long[] {cd[0], dn.out()}, memory.data_type.f32, memory.format_tag.ab);
            inner_product_forward.desc d = new inner_product_forward.desc(dnnl.prop_kind.forward_inference, src, wei,
                    bia, dst);
            primitive_attr attr = reluAttr(dn.relu());
            inner_product_forward.primitive_desc pd = new inner_product_forward.primitive_desc(d, attr, eng);
            memory in = into(cur, pd.src_desc());
            memory w = constant(wd, wd.length == 4 ? memory.format_tag.abcd : memory.format_tag.ab, dn.weights(),
                    pd.weights_desc());
            memory b = constant(new long[] {dn.out()}, memory.format_tag.a, dn.bias(), bia);
            memory out = new memory(pd.dst_desc(), eng);
            add(new inner_product_forward(pd), Map.of(dnnl.DNNL_ARG_SRC, in, dnnl.DNNL_ARG_WEIGHTS, w,
                    dnnl.DNNL_ARG_BIAS, b, dnnl.DNNL_ARG_DST, out));
            keep.add(new Object[] {src, wei, bia, dst, d, attr, pd});
            return out;
        }

        /**
         * Max or mean over time of the last LSTM's output, which it writes batch-major ([N, T, C]): seen as an [N, C, T]
         * channels-last sequence, one pooling window over all of T.
         */
        private memory overTime(memory seq, boolean max, long n, long c, long t) {
            memory.desc nwc = new memory.desc(new long[] {n, c, t}, memory.data_type.f32, memory.format_tag.acb);
            memory view = new memory(nwc, eng, seq.get_data_handle());
            memory.desc dst = new memory.desc(new long[] {n, c, 1}, memory.data_type.f32, memory.format_tag.acb);
            pooling_forward.desc d = new pooling_forward.desc(dnnl.prop_kind.forward_inference,
                    max ? dnnl.algorithm.pooling_max : dnnl.algorithm.pooling_avg_exclude_padding, nwc, dst,
                    new long[] {1}, new long[] {t}, new long[] {0}, new long[] {0});
            pooling_forward.primitive_desc pd = new pooling_forward.primitive_desc(d, eng);
            memory out = new memory(pd.dst_desc(), eng);
            add(new pooling_forward(pd), Map.of(dnnl.DNNL_ARG_SRC, view, dnnl.DNNL_ARG_DST, out), pd.workspace_desc());
            keep.add(new Object[] {nwc, dst, d, pd, seq});
            return out;
        }

        private memory lstm(Lstm l, memory cur, long[] cd, boolean batchMajor) {
            long t = cd[0];
            long n = cd[1];
            memory.desc src = cur.get_desc();
            memory.desc none = new memory.desc();
            long[] wl = {1, l.dirs(), l.in(), 4, l.hidden()};
            long[] wi = {1, l.dirs(), l.hidden(), 4, l.hidden()};
            memory.desc wlAny = new memory.desc(wl, memory.data_type.f32, memory.format_tag.any);
            memory.desc wiAny = new memory.desc(wi, memory.data_type.f32, memory.format_tag.any);
            memory.desc bia = new memory.desc(new long[] {1, l.dirs(), 4, l.hidden()}, memory.data_type.f32,
                    memory.format_tag.ldgo);
            memory.desc dst = new memory.desc(new long[] {t, n, (long) l.dirs() * l.hidden()}, memory.data_type.f32,
                    batchMajor ? memory.format_tag.ntc : memory.format_tag.tnc);
            var direction = l.dirs() == 2 ? dnnl.rnn_direction.bidirectional_concat
                    : dnnl.rnn_direction.unidirectional_left2right;
            lstm_forward.desc d = new lstm_forward.desc(dnnl.prop_kind.forward_inference, direction, src, none, none,
                    wlAny, wiAny, bia, dst, none, none);
            lstm_forward.primitive_desc pd = new lstm_forward.primitive_desc(d, eng);
            memory wLayer = constant(wl, memory.format_tag.ldigo, l.wLayer(), pd.weights_layer_desc());
            memory wIter = constant(wi, memory.format_tag.ldigo, l.wIter(), pd.weights_iter_desc());
            memory b = constant(new long[] {1, l.dirs(), 4, l.hidden()}, memory.format_tag.ldgo, l.bias(), bia);
            memory out = new memory(pd.dst_layer_desc(), eng);
            add(new lstm_forward(pd), Map.of(dnnl.DNNL_ARG_SRC_LAYER, cur, dnnl.DNNL_ARG_WEIGHTS_LAYER, wLayer,
                    dnnl.DNNL_ARG_WEIGHTS_ITER, wIter, dnnl.DNNL_ARG_BIAS, b, dnnl.DNNL_ARG_DST_LAYER, out),
                    pd.workspace_desc());
            keep.add(new Object[] {none, wlAny, wiAny, bia, dst, d, pd});
            return out;
        }

        private primitive_attr reluAttr(boolean relu) {
            return FloatRuntime.reluAttr(relu, keep);
        }

        /** {@code cur} in the layout the primitive wants (a reorder when it differs). */
        private memory into(memory cur, memory.desc want) {
            if (cur.get_desc().equals(want)) {
                return cur;
            }
            memory m = new memory(want, eng);
            reorder.primitive_desc pd = new reorder.primitive_desc(cur, m);
            add(new reorder(pd), Map.of(dnnl.DNNL_ARG_SRC, cur, dnnl.DNNL_ARG_DST, m));
            keep.add(pd);
            return m;
        }

        private memory constant(long[] dims, memory.format_tag tag, float[] data, memory.desc want) {
            memory plain = new memory(new memory.desc(dims, memory.data_type.f32, tag), eng);
            put(plain, data);
            if (plain.get_desc().equals(want)) {
                return plain;
            }
            memory m = new memory(want, eng);
            new reorder(plain, m).execute(strm, plain, m);
            strm._wait();
            keep.add(plain);
            return m;
        }

        private void add(primitive p, Map<Integer, memory> a) {
            add(p, a, null);
        }

        /** Adds a primitive with its arguments, and a workspace buffer when {@code workspace} asks for one. */
        private void add(primitive p, Map<Integer, memory> a, memory.desc workspace) {
            IntMemoryMap map = new IntMemoryMap();
            a.forEach(map::put);
            keep.addAll(a.values());
            if (workspace != null && workspace.get_size() > 0) {
                memory ws = new memory(workspace, eng);
                map.put(dnnl.DNNL_ARG_WORKSPACE, ws);
                keep.add(ws);
            }
            prims.add(p);
            args.add(map);
        }

        /** Frees the native memory of this plan's primitives and buffers now. */
        void release() {
            prims.forEach(org.bytedeco.javacpp.Pointer::close);
            args.forEach(org.bytedeco.javacpp.Pointer::close);
            keep.forEach(FloatRuntime::closeAll);
            inputView = null;
            closeAll(input);
            closeAll(output);
            prims.clear();
            args.clear();
            keep.clear();
        }

        /** The input buffer seen from Java (written in place by the token lookup). */
        private java.nio.FloatBuffer inputView;

        /** Token ids looked up into the input buffer ([T, N, C] for an LSTM, [N, T, C] for a convolution). */
        private void tokens(Embed e, float[] ids) {
            int dim = e.dim();
            if (inputView == null) {
                int size = (int) (input.get_desc().get_size() / 4);
                inputView = new FloatPointer(input.get_data_handle()).capacity(size).asBuffer();
            }
            float[] table = e.table();
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < length; t++) {
                    int id = token(e, ids[b * length + t]);
                    int dst = textLayout == 1 ? (t * batch + b) * dim : (b * length + t) * dim;
                    inputView.put(dst, table, id * dim, dim);
                }
            }
        }

        float[] run(float[] x) {
            float[] h;
            if (input == null) {
                h = bag((Embed) ops.get(0), (GlobalPool) ops.get(1), x);
            } else {
                if (ops.get(0) instanceof Embed e) {
                    tokens(e, x);
                } else {
                    put(input, x);
                }
                for (int i = 0; i < prims.size(); i++) {
                    prims.get(i).execute(strm, args.get(i));
                }
                strm._wait();
                h = floats(output);
            }
            int width = h.length / batch;
            for (int i = javaFrom; i < ops.size(); i++) {
                Op op = ops.get(i);
                if (op instanceof Dense d) {
                    h = denseJava(d, h, width);
                    width = d.out();
                } else {
                    throw new IllegalStateException("no Java step for " + op);
                }
            }
            return h;
        }

        /** Embedding bag: mean (or max) of the token rows of each example. */
        private float[] bag(Embed e, GlobalPool gp, float[] ids) {
            int dim = e.dim();
            int len = ids.length / batch;
            float[] out = new float[batch * dim];
            float[] table = e.table();
            if (!gp.max() && dim <= 4) {
                return narrowBag(e, ids, len);
            }
            for (int b = 0; b < batch; b++) {
                int o = b * dim;
                if (gp.max()) {
                    java.util.Arrays.fill(out, o, o + dim, Float.NEGATIVE_INFINITY);
                }
                for (int t = 0; t < len; t++) {
                    int row = token(e, ids[b * len + t]) * dim;
                    if (gp.max()) {
                        for (int k = 0; k < dim; k++) {
                            out[o + k] = Math.max(out[o + k], table[row + k]);
                        }
                    } else {
                        for (int k = 0; k < dim; k++) {
                            out[o + k] += table[row + k];
                        }
                    }
                }
                if (!gp.max()) {
                    float inv = 1f / len;
                    for (int k = 0; k < dim; k++) {
                        out[o + k] *= inv;
                    }
                }
            }
            return out;
        }

        /** The mean bag of a narrow (projected) table: a few sums per token, kept in registers. */
        private float[] narrowBag(Embed e, float[] ids, int len) {
            float[] out = new float[batch * e.dim()];
            int parts = Math.min(Runtime.getRuntime().availableProcessors(), batch / 32);
            if (parts < 2) {
                narrowBag(e, ids, len, out, 0, batch);
            } else { // the examples in as many parts as cores (each part writes its own rows of out)
                java.util.stream.IntStream.range(0, parts).parallel().forEach(p ->
                        narrowBag(e, ids, len, out, p * batch / parts, (p + 1) * batch / parts));
            }
            return out;
        }

        private void narrowBag(Embed e, float[] ids, int len, float[] out, int from, int to) {
            int dim = e.dim();
            float[] table = e.table();
            float[] acc = new float[4];
            for (int b = from; b < to; b++) {
                java.util.Arrays.fill(acc, 0);
                int base = b * len;
                for (int t = 0; t < len; t++) {
                    int row = token(e, ids[base + t]) * dim;
                    for (int k = 0; k < dim; k++) {
                        acc[k] += table[row + k];
                    }
                }
                for (int k = 0; k < dim; k++) {
                    out[b * dim + k] = acc[k] / len;
                }
            }
        }

        private float[] denseJava(Dense d, float[] h, int width) {
            if (width != d.in()) {
                throw unsupported(d.name(), "input of " + width + " values for " + d.in() + " weights per output");
            }
            return FloatRuntime.dense(h, batch, width, d.out(), d.weights(), d.bias(), d.relu());
        }
    }

    /** A (plain) memory's values. */
    static float[] floats(memory m) {
        float[] out = new float[(int) (m.get_desc().get_size() / 4)];
        new FloatPointer(m.get_data_handle()).capacity(out.length).get(out);
        return out;
    }

    /** Writes values into a (plain) memory. */
    static void put(memory m, float[] v) {
        new FloatPointer(m.get_data_handle()).capacity(v.length).put(v);
    }

    /** Closes native objects now: a pointer, or every pointer in a (nested) array. */
    static void closeAll(Object o) {
        if (o instanceof org.bytedeco.javacpp.Pointer p) {
            p.close();
        } else if (o instanceof Object[] arr) {
            for (Object x : arr) {
                closeAll(x);
            }
        }
    }

    /** Frees every plan's native memory now (otherwise it goes when the garbage collector finds this runtime). */
    @Override
    public synchronized void close() {
        plans.values().forEach(Plan::release);
        plans.clear();
        tapPlans.values().forEach(Plan::release);
        tapPlans.clear();
    }

    private static int token(Embed e, float v) {
        int id = (int) v;
        if (id < 0 || id >= e.vocab() || id != v) {
            throw new CompressionException("token id " + v + " outside the vocabulary of " + e.vocab());
        }
        return id;
    }

    /** Class probabilities for a batch, as the DL4J network's output layer gives them. */
    @Override
    public synchronized INDArray apply(INDArray features) {
        long n = features.size(0);
        long[] shape = java.util.Arrays.copyOfRange(features.shape(), 1, features.rank());
        Plan p = plans.computeIfAbsent(n, k -> new Plan(k, shape));
        return softmax(p.run(floats(features)), n);
    }

    /** Whether {@link #activations} gives this vertex's value (some are folded into the op after them). */
    public boolean hasActivation(String name) {
        return valueOf.containsKey(name) || name.equals(outputName);
    }

    /**
     * The values of the named vertices on a batch (each [batch, ...], as the DL4J network's vertices give them, batch
     * norm folded) and the class probabilities under the output's name; a name whose value no op gives is an error
     * ({@link #hasActivation}).
     */
    @Override
    public synchronized Map<String, INDArray> activations(INDArray features, java.util.Collection<String> names) {
        List<String> asked = names.stream().filter(v -> !v.equals(outputName)).distinct().sorted().toList();
        int[] tapOps = new int[asked.size()];
        for (int k = 0; k < tapOps.length; k++) {
            Integer op = valueOf.get(asked.get(k));
            if (op == null) {
                throw new CompressionException("float runtime: no op gives the value of '" + asked.get(k)
                        + "' (folded into the op after it, or not run on oneDNN); it gives " + valueOf.keySet());
            }
            tapOps[k] = op;
        }
        long n = features.size(0);
        long[] shape = java.util.Arrays.copyOfRange(features.shape(), 1, features.rank());
        Plan p = tapPlans.computeIfAbsent(n + " " + asked, k -> new Plan(n, shape, tapOps));
        Map<String, INDArray> out = new HashMap<>();
        out.put(outputName, softmax(p.run(floats(features)), n));
        for (int k = 0; k < tapOps.length; k++) {
            out.put(asked.get(k), Nd4j.create(floats(p.taps[k]), p.tapDims[k], 'c'));
        }
        return out;
    }

    @Override
    public String outputName() {
        return outputName;
    }

    @Override
    public long numParams() {
        return numParams;
    }

    /** Each call's results are new arrays. */
    @Override
    public boolean freshResults() {
        return true;
    }

    /**
     * The softmax of each row of {@code logits} ([n, k] row-major, overwritten), as an [n, k] array: what the engine's
     * float and int8 runtimes end with (max subtracted, sums in double).
     */
    public static INDArray softmax(float[] logits, long n) {
        int k = logits.length / (int) n;
        for (int r = 0; r < n; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, logits[r * k + j]);
            }
            double sum = 0;
            for (int j = 0; j < k; j++) {
                logits[r * k + j] = (float) Math.exp(logits[r * k + j] - max);
                sum += logits[r * k + j];
            }
            for (int j = 0; j < k; j++) {
                logits[r * k + j] /= (float) sum;
            }
        }
        return Nd4j.create(logits, new long[] {n, k}, 'c');
    }
}
