package org.jvmcompress.quantize;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.inner_product_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.engine.FloatRuntime;
import org.jvmcompress.engine.Lowering;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Integer inference of a quantised convolutional network with oneDNN (through JavaCPP): uint8 activations, int8
 * weights, int32 accumulation, requantisation to the next layer's uint8 grid by per-channel output scales with the
 * ReLU fused, max-pooling on uint8, and float logits at the end (softmax in Java). Supports chains of 2-D
 * convolutions, ReLU, max pooling, dense and softmax output layers whose inputs are quantised with zero point 0
 * (inputs in [0, 1] and after ReLU, as in the reference image networks); {@link #compile} names what it cannot run,
 * and the caller falls back to the dequantising runtime. Primitives are built per batch size and kept.
 */
public final class Int8Runtime {
    private sealed interface Op permits Embed, Conv, Pool, GlobalMax, Dense {}

    /** Token embedding in front of a 1-D convolution: each row already in that convolution's uint8 input grid. */
    private record Embed(String name, int vocab, int dim, byte[] table, int zero, int padBefore, int padAfter)
            implements Op {}

    private record Conv(String name, int out, int in, int kh, int kw, int sh, int sw, ConvolutionMode mode,
                        int[] pad, byte[] weights, float[] scales, float[] bias, float sIn, boolean relu,
                        boolean prePadded) implements Op {}

    private record GlobalMax() implements Op {}

    private record Pool(int kh, int kw, int sh, int sw, ConvolutionMode mode, int[] pad) implements Op {}

    private record Dense(String name, int out, byte[] weights, float[] scales, float[] bias, float sIn, boolean relu,
                         boolean softmax) implements Op {}

    private final List<Op> ops;
    private final float[] sOut;
    private final engine eng;
    private final stream strm;
    private final Map<Long, Plan> plans = new HashMap<>();

    private Int8Runtime(List<Op> ops) {
        this.ops = ops;
        this.sOut = new float[ops.size()];
        float next = 0;
        for (int i = ops.size() - 1; i >= 0; i--) {
            Op op = ops.get(i);
            sOut[i] = next;
            if (op instanceof Conv c) {
                next = c.sIn();
            } else if (op instanceof Dense d) {
                next = d.sIn();
            }
        }
        this.eng = new engine(engine.kind.cpu, 0);
        this.strm = new stream(eng);
    }

    /** Whether oneDNN's native library loads on this machine (the same check as the float runtime's). */
    public static boolean available() {
        return FloatRuntime.available();
    }

    /** Why oneDNN did not load (null when it did). */
    public static String unavailableReason() {
        return FloatRuntime.unavailableReason();
    }

    /** The runtime for a quantised model, or an error naming the first thing it does not support. */
    public static Int8Runtime compile(QuantizedModel m) {
        if (!available()) {
            throw new CompressionException("oneDNN is not available on this machine: " + unavailableReason());
        }
        Lowering.Lowered lw = Lowering.lower(m.conf());
        List<Op> ops = new ArrayList<>();
        QTensor embedding = null;
        String prev = lw.inputs().get(0);
        for (Lowering.Node node : lw.nodes()) {
            String name = node.name();
            List<String> ins = node.inputs();
            if (ins.size() != 1 || !ins.get(0).equals(prev)) {
                throw unsupported(name, "the int8 runtime runs chains of layers only");
            }
            prev = name;
            if (node instanceof Lowering.Unsupported u) {
                throw unsupported(name, u.why());
            }
            if (node instanceof Lowering.Conv conv && !conv.oneD() && conv.multiplier() == 0) {
                float sIn = inputScale(m, name);
                QTensor w = weights(m, name, "W");
                long[] s = w.shape();
                float[] scales = perChannel(w, (int) s[0], name);
                float[] bias = bias(m, name, (int) s[0], sIn, scales);
                ops.add(new Conv(name, (int) s[0], (int) s[1], (int) s[2], (int) s[3], conv.sh(), conv.sw(),
                        conv.mode(), conv.pad(), w.data(), scales, bias, sIn, conv.relu(), false));
            } else if (node instanceof Lowering.Embed && ops.isEmpty()) {
                QTensor w = weights(m, name, "W");
                ops.add(new Embed(name, (int) w.shape()[0], (int) w.shape()[1], null, 0, 0, 0));
                embedding = w;
            } else if (node instanceof Lowering.Conv conv && conv.oneD() && ops.size() == 1
                    && ops.get(0) instanceof Embed e) {
                FakeQuant fq = m.activations().get(name);
                if (fq == null) {
                    throw unsupported(name, "its input is not quantised (float layer)");
                }
                int k = conv.kh();
                float sIn = (float) fq.scale();
                int z = fq.zeroPoint();
                QTensor w = weights(m, name, "W");
                // Quantised in DL4J's reading order [k, in, out]; oneDNN wants [out, in, k, 1].
                long[] s = w.shape();
                int kk = (int) s[0];
                int nIn = (int) s[1];
                int nOut = (int) s[2];
                if (kk != k) {
                    throw unsupported(name, "weights of shape " + java.util.Arrays.toString(s) + " for kernel " + k);
                }
                float[] scales = perChannel(w, nOut, name);
                float[] bias = bias(m, name, nOut, sIn, scales);
                byte[] oik = new byte[w.data().length];
                for (int t = 0; t < kk; t++) {
                    for (int ci = 0; ci < nIn; ci++) {
                        for (int o = 0; o < nOut; o++) {
                            oik[(o * nIn + ci) * kk + t] = (byte) w.code(((long) t * nIn + ci) * nOut + o);
                        }
                    }
                }
                // The input's zero point, folded into the bias: sum_w w * (q - z) = sum_w w * q - z * sum_w w.
                int per = nIn * kk;
                for (int o = 0; o < nOut; o++) {
                    long sum = 0;
                    for (int i = 0; i < per; i++) {
                        sum += oik[o * per + i];
                    }
                    bias[o] -= (float) (z * sum);
                }
                int before = conv.mode() == ConvolutionMode.Same ? (k - 1) / 2 : conv.pad()[0];
                int after = conv.mode() == ConvolutionMode.Same ? k - 1 - before : conv.pad()[0];
                ops.set(0, new Embed(e.name(), e.vocab(), e.dim(), table(embedding, sIn, z), z, before, after));
                ops.add(new Conv(name, nOut, nIn, k, 1, 1, 1, ConvolutionMode.Truncate, new int[] {0, 0},
                        oik, scales, bias, sIn, conv.relu(), true));
            } else if (node instanceof Lowering.GlobalPool gp && gp.max()) {
                ops.add(new GlobalMax());
            } else if (node instanceof Lowering.Relu) {
                Op last = ops.isEmpty() ? null : ops.get(ops.size() - 1);
                if (last instanceof Conv cv && !cv.relu()) {
                    ops.set(ops.size() - 1, new Conv(cv.name(), cv.out(), cv.in(), cv.kh(), cv.kw(), cv.sh(), cv.sw(),
                            cv.mode(), cv.pad(), cv.weights(), cv.scales(), cv.bias(), cv.sIn(), true, cv.prePadded()));
                } else if (last instanceof Dense d && !d.relu() && !d.softmax()) {
                    ops.set(ops.size() - 1, new Dense(d.name(), d.out(), d.weights(), d.scales(), d.bias(), d.sIn(), true,
                            false));
                } else {
                    throw unsupported(name, "a ReLU that does not follow a convolution or dense layer");
                }
            } else if (node instanceof Lowering.Pool p && p.max()) {
                ops.add(new Pool(p.kh(), p.kw(), p.sh(), p.sw(), p.mode(), p.pad()));
            } else if (node instanceof Lowering.Dense d) {
                boolean out = d.output();
                float sIn = inputScale(m, name);
                QTensor w = weights(m, name, "W");
                int nIn = (int) w.shape()[0];
                int nOut = (int) w.shape()[1];
                float[] scales = perChannel(w, nOut, name);
                // DL4J keeps W as [in, out]; oneDNN wants [out, in].
                byte[] t = new byte[nIn * nOut];
                for (int i = 0; i < nIn; i++) {
                    for (int o = 0; o < nOut; o++) {
                        t[o * nIn + i] = (byte) w.code((long) i * nOut + o);
                    }
                }
                ops.add(new Dense(name, nOut, t, scales, bias(m, name, nOut, sIn, scales), sIn, d.relu(), out));
            } else {
                throw unsupported(name, node instanceof Lowering.Other o ? o.what() : "layer type "
                        + GraphSurgery.layerOf(m.conf(), name).getClass().getSimpleName() + " here");
            }
        }
        if (ops.isEmpty() || !(ops.get(ops.size() - 1) instanceof Dense d) || !d.softmax()) {
            throw new CompressionException("the int8 runtime needs a network ending in a softmax output layer");
        }
        if (ops.get(0) instanceof Pool || ops.get(0) instanceof GlobalMax
                || ops.get(0) instanceof Embed e && e.table() == null) {
            throw new CompressionException("the int8 runtime needs a convolution or dense layer first (or an embedding"
                    + " followed by a 1-D convolution)");
        }
        return new Int8Runtime(ops);
    }

    /** Every embedding row as uint8 codes of the next layer's input grid (scale sIn, zero point z). */
    private static byte[] table(QTensor w, float sIn, int z) {
        float[] v = w.dequantize();
        byte[] t = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            t[i] = (byte) Math.max(0, Math.min(255, Math.round(v[i] / sIn) + z));
        }
        return t;
    }

    private static CompressionException unsupported(String layer, String why) {
        return new CompressionException("int8 runtime: layer " + layer + ": " + why);
    }

    private static float inputScale(QuantizedModel m, String name) {
        FakeQuant q = m.activations().get(name);
        if (q == null) {
            throw unsupported(name, "its input is not quantised (float layer)");
        }
        if (q.zeroPoint() != 0) {
            throw unsupported(name, "its input range [" + q.getLo() + ", " + q.getHi() + "] has a zero point");
        }
        return (float) q.scale();
    }

    private static QTensor weights(QuantizedModel m, String layer, String param) {
        StoredTensor t = m.params().get(layer).get(param);
        if (t == null || t.q() == null || t.q().bits() != 8) {
            throw unsupported(layer, "weights are not int8");
        }
        for (int z : t.q().zeroPoints()) {
            if (z != 0) {
                throw unsupported(layer, "asymmetric weights");
            }
        }
        return t.q();
    }

    private static float[] perChannel(QTensor w, int out, String layer) {
        if (w.axis() < 0) {
            float[] s = new float[out];
            java.util.Arrays.fill(s, w.scales()[0]);
            return s;
        }
        if (w.scales().length != out) {
            throw unsupported(layer, "per-channel scales on an axis other than the outputs");
        }
        return w.scales();
    }

    /** The bias in accumulator units (divided by the input and weight scales). */
    private static float[] bias(QuantizedModel m, String layer, int out, float sIn, float[] sW) {
        StoredTensor b = m.params().get(layer).get("b");
        float[] v = b == null ? new float[out] : b.values();
        float[] r = new float[out];
        for (int i = 0; i < out; i++) {
            r[i] = v[i] / (sIn * sW[i]);
        }
        return r;
    }

    /** The primitives and buffers for one batch size. */
    private final class Plan {
        final List<primitive> prims = new ArrayList<>();
        final List<IntMemoryMap> args = new ArrayList<>();
        final List<Object> keep = new ArrayList<>();
        final memory input;
        final memory output;
        final int classes;
        final int batch;

        Plan(long n, long[] inShape) {
            batch = (int) n;
            long[] dims = new long[inShape.length + 1];
            dims[0] = n;
            System.arraycopy(inShape, 0, dims, 1, inShape.length);
            memory cur;
            float curScale = 0; // 0: float values
            long[] cd = dims;
            if (ops.get(0) instanceof Embed e) {
                // Tokens become uint8 codes, positions padded with the zero point: [N, D, L + pad, 1], stored NHWC.
                cd = new long[] {n, e.dim(), dims[1] + e.padBefore() + e.padAfter(), 1};
                input = new memory(new memory.desc(cd, memory.data_type.u8, memory.format_tag.acdb), eng);
                curScale = ((Conv) ops.get(1)).sIn();
            } else {
                input = new memory(new memory.desc(dims, memory.data_type.f32, dims.length == 4 ? memory.format_tag.abcd
                        : memory.format_tag.ab), eng);
            }
            cur = input;
            Dense lastDense = null;
            for (int i = 0; i < ops.size(); i++) {
                Op op = ops.get(i);
                if (op instanceof Embed) {
                    continue;
                }
                if (op instanceof GlobalMax) {
                    long[] od = {n, cd[1], 1, 1};
                    memory.desc dst = new memory.desc(od, cur.get_desc().data_type(), memory.format_tag.any);
                    pooling_forward.desc d = new pooling_forward.desc(dnnl.prop_kind.forward_inference,
                            dnnl.algorithm.pooling_max, cur.get_desc(), dst, new long[] {1, 1},
                            new long[] {cd[2], cd[3]}, new long[] {0, 0}, new long[] {0, 0});
                    pooling_forward.primitive_desc pd = new pooling_forward.primitive_desc(d, eng);
                    memory out = new memory(pd.dst_desc(), eng);
                    add(new pooling_forward(pd), Map.of(dnnl.DNNL_ARG_SRC, cur, dnnl.DNNL_ARG_DST, out));
                    keep.add(new Object[] {dst, d, pd});
                    cur = out;
                    cd = od;
                    continue;
                }
                if (op instanceof Conv c) {
                    if (cd.length != 4) {
                        throw unsupported(c.name(), "a 2-D convolution needs 4-D input");
                    }
                    long[] pad = c.prePadded() ? new long[4]
                            : FloatRuntime.padding(c.mode(), c.pad(), cd[2], cd[3], c.kh(), c.kw(), c.sh(), c.sw());
                    long oh = (cd[2] + pad[0] + pad[2] - c.kh()) / c.sh() + 1;
                    long ow = (cd[3] + pad[1] + pad[3] - c.kw()) / c.sw() + 1;
                    long[] od = {n, c.out(), oh, ow};
                    memory.desc src = new memory.desc(cd, memory.data_type.u8, memory.format_tag.any);
                    memory.desc wei = new memory.desc(new long[] {c.out(), c.in(), c.kh(), c.kw()}, memory.data_type.s8,
                            memory.format_tag.any);
                    memory.desc bia = new memory.desc(new long[] {c.out()}, memory.data_type.f32, memory.format_tag.a);
                    boolean last = sOut[i] == 0;
                    memory.desc dst = new memory.desc(od, last ? memory.data_type.f32 : memory.data_type.u8,
                            memory.format_tag.any);
                    convolution_forward.desc d = new convolution_forward.desc(dnnl.prop_kind.forward_inference,
                            dnnl.algorithm.convolution_direct, src, wei, bia, dst, new long[] {c.sh(), c.sw()},
                            new long[] {pad[0], pad[1]}, new long[] {pad[2], pad[3]});
                    primitive_attr attr = attributes(c.scales(), c.sIn(), sOut[i], c.relu());
                    convolution_forward.primitive_desc pd = new convolution_forward.primitive_desc(d, attr, eng);
                    memory in = into(cur, curScale, c.sIn(), pd.src_desc());
                    memory w = constant(new long[] {c.out(), c.in(), c.kh(), c.kw()}, memory.format_tag.abcd,
                            c.weights(), pd.weights_desc());
                    memory b = floats(c.bias(), bia);
                    memory out = new memory(pd.dst_desc(), eng);
                    add(new convolution_forward(pd), Map.of(dnnl.DNNL_ARG_SRC, in, dnnl.DNNL_ARG_WEIGHTS, w,
                            dnnl.DNNL_ARG_BIAS, b, dnnl.DNNL_ARG_DST, out));
                    keep.add(new Object[] {src, wei, bia, dst, d, attr, pd});
                    cur = out;
                    curScale = sOut[i];
                    cd = od;
                } else if (op instanceof Pool p) {
                    long[] pad = FloatRuntime.padding(p.mode(), p.pad(), cd[2], cd[3], p.kh(), p.kw(), p.sh(), p.sw());
                    long oh = (cd[2] + pad[0] + pad[2] - p.kh()) / p.sh() + 1;
                    long ow = (cd[3] + pad[1] + pad[3] - p.kw()) / p.sw() + 1;
                    long[] od = {n, cd[1], oh, ow};
                    memory.desc dst = new memory.desc(od, cur.get_desc().data_type(), memory.format_tag.any);
                    pooling_forward.desc d = new pooling_forward.desc(dnnl.prop_kind.forward_inference,
                            dnnl.algorithm.pooling_max, cur.get_desc(), dst, new long[] {p.sh(), p.sw()},
                            new long[] {p.kh(), p.kw()}, new long[] {pad[0], pad[1]}, new long[] {pad[2], pad[3]});
                    pooling_forward.primitive_desc pd = new pooling_forward.primitive_desc(d, eng);
                    memory out = new memory(pd.dst_desc(), eng);
                    add(new pooling_forward(pd), Map.of(dnnl.DNNL_ARG_SRC, cur, dnnl.DNNL_ARG_DST, out));
                    keep.add(new Object[] {dst, d, pd});
                    cur = out;
                    cd = od;
                } else if (op instanceof Dense dn) {
                    long[] wdims = new long[cd.length];
                    wdims[0] = dn.out();
                    System.arraycopy(cd, 1, wdims, 1, cd.length - 1);
                    long inCount = 1;
                    for (int k = 1; k < cd.length; k++) {
                        inCount *= cd[k];
                    }
                    if (inCount * dn.out() != dn.weights().length) {
                        throw unsupported(dn.name(), "input of " + inCount + " values does not fit its weights");
                    }
                    memory.desc src = new memory.desc(cd, memory.data_type.u8, memory.format_tag.any);
                    memory.desc wei = new memory.desc(wdims, memory.data_type.s8, memory.format_tag.any);
                    memory.desc bia = new memory.desc(new long[] {dn.out()}, memory.data_type.f32, memory.format_tag.a);
                    boolean last = sOut[i] == 0;
                    memory.desc dst = new memory.desc(new long[] {n, dn.out()}, last ? memory.data_type.f32
                            : memory.data_type.u8, last ? memory.format_tag.ab : memory.format_tag.any);
                    inner_product_forward.desc d = new inner_product_forward.desc(dnnl.prop_kind.forward_inference, src,
                            wei, bia, dst);
                    primitive_attr attr = attributes(dn.scales(), dn.sIn(), sOut[i], dn.relu());
                    inner_product_forward.primitive_desc pd = new inner_product_forward.primitive_desc(d, attr, eng);
                    memory in = into(cur, curScale, dn.sIn(), pd.src_desc());
                    memory w = constant(wdims, wdims.length == 4 ? memory.format_tag.abcd : memory.format_tag.ab,
                            dn.weights(), pd.weights_desc());
                    memory b = floats(dn.bias(), bia);
                    memory out = new memory(pd.dst_desc(), eng);
                    add(new inner_product_forward(pd), Map.of(dnnl.DNNL_ARG_SRC, in, dnnl.DNNL_ARG_WEIGHTS, w,
                            dnnl.DNNL_ARG_BIAS, b, dnnl.DNNL_ARG_DST, out));
                    keep.add(new Object[] {src, wei, bia, dst, d, attr, pd});
                    cur = out;
                    curScale = sOut[i];
                    cd = new long[] {n, dn.out()};
                    lastDense = dn;
                }
            }
            output = cur;
            classes = lastDense.out();
        }

        private primitive_attr attributes(float[] sW, float sIn, float sOutNext, boolean relu) {
            float[] scales = new float[sW.length];
            for (int k = 0; k < sW.length; k++) {
                scales[k] = sOutNext == 0 ? sIn * sW[k] : sIn * sW[k] / sOutNext;
            }
            primitive_attr attr = org.jvmcompress.engine.FloatRuntime.reluAttr(relu, keep);
            attr.set_output_scales(1 << 1, scales);
            return attr;
        }

        /** {@code cur} as the layer wants its input: quantised from float, or reordered to its layout. */
        private memory into(memory cur, float curScale, float sIn, memory.desc want) {
            if (curScale != 0 && cur.get_desc().equals(want)) {
                return cur;
            }
            memory m = new memory(want, eng);
            primitive_attr attr = new primitive_attr();
            attr.set_output_scales(0, new float[] {curScale == 0 ? 1f / sIn : curScale / sIn});
            reorder.primitive_desc pd = new reorder.primitive_desc(cur, m, attr, false);
            add(new reorder(pd), Map.of(dnnl.DNNL_ARG_SRC, cur, dnnl.DNNL_ARG_DST, m));
            keep.add(new Object[] {attr, pd});
            return m;
        }

        private memory constant(long[] dims, memory.format_tag tag, byte[] data, memory.desc want) {
            memory plain = new memory(new memory.desc(dims, memory.data_type.s8, tag), eng);
            new BytePointer(plain.get_data_handle()).capacity(data.length).put(data);
            memory m = new memory(want, eng);
            new reorder(plain, m).execute(strm, plain, m);
            strm._wait();
            keep.add(plain);
            return m;
        }

        private memory floats(float[] data, memory.desc desc) {
            memory m = new memory(desc, eng);
            new FloatPointer(m.get_data_handle()).capacity(data.length).put(data);
            return m;
        }

        private byte[] codes;

        /** Writes token ids as NHWC uint8 codes, padded with the zero point. */
        private void tokens(Embed e, float[] ids) {
            int dim = e.dim();
            int size = (int) input.get_desc().get_size();
            if (codes == null || codes.length != size) {
                codes = new byte[size];
            }
            int len = ids.length / batch;
            int rowLen = len + e.padBefore() + e.padAfter();
            byte zero = (byte) e.zero();
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < rowLen; t++) {
                    int dst = (b * rowLen + t) * dim;
                    int pos = t - e.padBefore();
                    if (pos < 0 || pos >= len) {
                        java.util.Arrays.fill(codes, dst, dst + dim, zero);
                    } else {
                        int id = (int) ids[b * len + pos];
                        if (id < 0 || id >= e.vocab()) {
                            throw new CompressionException("token id " + id + " outside the vocabulary of " + e.vocab());
                        }
                        System.arraycopy(e.table(), id * dim, codes, dst, dim);
                    }
                }
            }
            new BytePointer(input.get_data_handle()).capacity(codes.length).put(codes);
        }

        private void add(primitive p, Map<Integer, memory> a) {
            IntMemoryMap map = new IntMemoryMap();
            a.forEach(map::put);
            prims.add(p);
            args.add(map);
        }

        float[] run(float[] x) {
            if (ops.get(0) instanceof Embed e) {
                tokens(e, x);
            } else {
                new FloatPointer(input.get_data_handle()).capacity(x.length).put(x);
            }
            for (int i = 0; i < prims.size(); i++) {
                prims.get(i).execute(strm, args.get(i));
            }
            strm._wait();
            long n = output.get_desc().get_size() / 4;
            float[] out = new float[(int) n];
            new FloatPointer(output.get_data_handle()).capacity(n).get(out);
            return out;
        }
    }

    /** Class probabilities for a batch (float input as the float network takes it). */
    public synchronized INDArray output(INDArray features) {
        long n = features.size(0);
        long[] shape = java.util.Arrays.copyOfRange(features.shape(), 1, features.rank());
        Plan p = plans.computeIfAbsent(n, k -> new Plan(k, shape));
        float[] logits = p.run(org.jvmcompress.core.util.Matrices.floats(features));
        return FloatRuntime.softmax(logits, n);
    }
}
