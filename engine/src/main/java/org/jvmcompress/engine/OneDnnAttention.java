package org.jvmcompress.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.matmul;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.softmax_forward;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.model.onnx.BertEncoder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link BertEncoder.Attention} in oneDNN primitives: the queries, keys and values are read in place from the fused
 * projection's output through strides (no transposes or copies), the scores come from one batched matrix product
 * with the 1/sqrt(head size) scale fused, the padding mask is one broadcast add, softmax runs in place, and the
 * context product writes straight into the [batch * length, width] layout the next projection reads. Primitives are
 * kept per (batch, length, masked).
 */
public final class OneDnnAttention implements BertEncoder.Attention {
    private static final int KEEP = 128;

    private final int heads;
    private final int width;
    /** Made before the constructor body runs: {@link PackedMatmul#cpu} names why oneDNN is missing, if it is. */
    private final engine eng = PackedMatmul.cpu();
    private final stream strm = new stream(eng);
    private final Map<String, Plan> plans = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Plan> e) {
            return size() > KEEP;
        }
    };

    public OneDnnAttention(int heads, int width) {
        if (width % heads != 0) {
            throw new CompressionException("attention width " + width + " is not a multiple of " + heads + " heads");
        }
        this.heads = heads;
        this.width = width;
    }

    /** An encoder whose attention runs here. */
    public static BertEncoder accelerate(BertEncoder enc) {
        return enc.withAttention(new OneDnnAttention(enc.heads(), enc.width()));
    }

    /** The primitives for one shape, and the descriptors they were made from. */
    private final class Plan {
        final memory.desc q;
        final memory.desc kT;
        final memory.desc v;
        final memory.desc scores;
        final memory.desc ctx;
        final memory.desc mask;
        final matmul qk;
        final softmax_forward softmax;
        final binary addMask;
        final matmul pv;
        final Object[] keep;

        Plan(int b, int len, boolean masked) {
            long hs = width / heads;
            long row = 3L * width;
            long[] dims = {b, heads, len, hs};
            // q[b][h][t][d] at b*len*3w + t*3w + h*hs + d; k and v the same, w and 2w further on
            long[] qkvStrides = {len * row, hs, row, 1};
            q = new memory.desc(dims, memory.data_type.f32, qkvStrides);
            kT = new memory.desc(new long[] {b, heads, hs, len}, memory.data_type.f32,
                    new long[] {len * row, hs, 1, row});
            v = new memory.desc(dims, memory.data_type.f32, qkvStrides);
            scores = new memory.desc(new long[] {b, heads, len, len}, memory.data_type.f32, memory.format_tag.abcd);
            // context [b][h][t][d] stored as [b, t, h, d]: the rows of [b*len, width]
            ctx = new memory.desc(dims, memory.data_type.f32, new long[] {(long) len * width, hs, width, 1});
            mask = new memory.desc(new long[] {b, 1, 1, len}, memory.data_type.f32, memory.format_tag.abcd);
            primitive_attr scale = new primitive_attr();
            post_ops po = new post_ops();
            po.append_eltwise(1f, dnnl.algorithm.eltwise_linear, (float) (1 / Math.sqrt(hs)), 0f);
            scale.set_post_ops(po);
            matmul.desc qkd = new matmul.desc(q, kT, scores);
            matmul.primitive_desc qkp = new matmul.primitive_desc(qkd, scale, eng);
            qk = new matmul(qkp);
            softmax_forward.desc sd = new softmax_forward.desc(dnnl.prop_kind.forward_inference, scores, 3);
            softmax_forward.primitive_desc sp = new softmax_forward.primitive_desc(sd, eng);
            softmax = new softmax_forward(sp);
            binary.desc bd = null;
            binary.primitive_desc bp = null;
            if (masked) {
                bd = new binary.desc(dnnl.algorithm.binary_add, scores, mask, scores);
                bp = new binary.primitive_desc(bd, eng);
                addMask = new binary(bp);
            } else {
                addMask = null;
            }
            matmul.desc pvd = new matmul.desc(scores, v, ctx);
            matmul.primitive_desc pvp = new matmul.primitive_desc(pvd, eng);
            pv = new matmul(pvp);
            keep = new Object[] {scale, po, qkd, qkp, sd, sp, bd, bp, pvd, pvp};
            qm = new memory(q, eng, NativeTrainer.at(0));
            km = new memory(kT, eng, NativeTrainer.at(0));
            vm = new memory(v, eng, NativeTrainer.at(0));
            sm = new memory(scores, eng, NativeTrainer.at(0));
            cm = new memory(ctx, eng, NativeTrainer.at(0));
            mm = new memory(mask, eng, NativeTrainer.at(0));
            qkArgs = args(dnnl.DNNL_ARG_SRC, qm, dnnl.DNNL_ARG_WEIGHTS, km, dnnl.DNNL_ARG_DST, sm);
            maskArgs = args(dnnl.DNNL_ARG_SRC_0, sm, dnnl.DNNL_ARG_SRC_1, mm, dnnl.DNNL_ARG_DST, sm);
            softmaxArgs = args(dnnl.DNNL_ARG_SRC, sm, dnnl.DNNL_ARG_DST, sm, 0, null);
            pvArgs = args(dnnl.DNNL_ARG_SRC, sm, dnnl.DNNL_ARG_WEIGHTS, vm, dnnl.DNNL_ARG_DST, cm);
        }

        final memory qm;
        final memory km;
        final memory vm;
        final memory sm;
        final memory cm;
        final memory mm;
        final IntMemoryMap qkArgs;
        final IntMemoryMap maskArgs;
        final IntMemoryMap softmaxArgs;
        final IntMemoryMap pvArgs;
    }

    @Override
    public synchronized INDArray apply(INDArray input, int b, int len, INDArray maskBias) {
        INDArray qkv = NativeTrainer.contiguous(input);
        if (qkv.rank() != 2 || qkv.size(0) != (long) b * len || qkv.size(1) != 3L * width) {
            throw new CompressionException("attention of width " + width + " given projections of shape "
                    + java.util.Arrays.toString(qkv.shape()) + " for " + b + " x " + len + " tokens");
        }
        Plan p = plans.computeIfAbsent(b + "x" + len + (maskBias != null ? "m" : ""),
                k -> new Plan(b, len, maskBias != null));
        INDArray scores = Nd4j.createUninitialized(DataType.FLOAT, b, heads, len, len);
        INDArray ctx = Nd4j.createUninitialized(DataType.FLOAT, (long) b * len, width);
        long base = NativeTrainer.address(qkv);
        p.qm.set_data_handle(NativeTrainer.at(base));
        p.km.set_data_handle(NativeTrainer.at(base + 4L * width));
        p.vm.set_data_handle(NativeTrainer.at(base + 8L * width));
        p.sm.set_data_handle(NativeTrainer.at(NativeTrainer.address(scores)));
        p.cm.set_data_handle(NativeTrainer.at(NativeTrainer.address(ctx)));
        p.qk.execute(strm, p.qkArgs);
        // held until the primitives are done
        INDArray mask = maskBias == null ? null : NativeTrainer.contiguous(maskBias);
        if (mask != null) {
            p.mm.set_data_handle(NativeTrainer.at(NativeTrainer.address(mask)));
            p.addMask.execute(strm, p.maskArgs);
        }
        p.softmax.execute(strm, p.softmaxArgs);
        p.pv.execute(strm, p.pvArgs);
        strm._wait();
        return ctx;
    }

    private static IntMemoryMap args(int a1, memory m1, int a2, memory m2, int a3, memory m3) {
        IntMemoryMap args = new IntMemoryMap();
        args.put(a1, m1);
        args.put(a2, m2);
        if (m3 != null) {
            args.put(a3, m3);
        }
        return args;
    }
}
