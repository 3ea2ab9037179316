package org.jvmcompress.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.matmul;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;
import org.jvmcompress.core.CompressionException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One oneDNN matmul [rows, in] x [in, out] + bias [1, out] to float [rows, out], rows a run-time dimension (one
 * primitive for every batch and length), the exact GELU fused where asked, the weights packed once into the layout the
 * primitive chose. The attributes (scales, zero points) and their run-time memories come from the caller. Memory
 * objects are bound per row count and pointed at each call's arrays: allocating them per call cost more than the
 * product itself for a sentence.
 */
public final class PackedMatmul {
    private static final int KEEP_SHAPES = 256;

    public final engine eng;
    public final stream strm;
    private final matmul product;
    private final memory weights;
    /** The bias [1, out], float: written once by a float projection, per call by an int8 one. */
    public final memory bias;
    private final int in;
    private final int out;
    private final memory.data_type srcType;
    private final Map<Integer, memory> attrArgs;
    private final Map<Long, Bound> bound = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Bound> e) {
            return size() > KEEP_SHAPES;
        }
    };
    /** Native objects the primitive refers to, reachable as long as this is. */
    private final Object[] keep;

    /**
     * @param plainWeights the weights [in, out] row-major in {@code weightType}, copied into oneDNN's layout here
     * @param eng          a CPU engine ({@link #cpu}); the attributes' memories belong to it too
     * @param attrArgs     the memories of the attributes' run-time values, by execution argument
     */
    public PackedMatmul(engine eng, int in, int out, memory.data_type srcType, memory.data_type weightType,
                        primitive_attr attr, Map<Integer, memory> attrArgs, boolean gelu, Pointer plainWeights) {
        this.eng = eng;
        this.strm = new stream(eng);
        this.in = in;
        this.out = out;
        this.srcType = srcType;
        this.attrArgs = Map.copyOf(attrArgs);
        long rows = dnnl.DNNL_RUNTIME_DIM_VAL;
        memory.desc src = new memory.desc(new long[] {rows, in}, srcType, memory.format_tag.ab);
        memory.desc wei = new memory.desc(new long[] {in, out}, weightType, memory.format_tag.any);
        memory.desc biasDesc = new memory.desc(new long[] {1, out}, memory.data_type.f32, memory.format_tag.ab);
        memory.desc dst = new memory.desc(new long[] {rows, out}, memory.data_type.f32, memory.format_tag.ab);
        post_ops po = new post_ops();
        if (gelu) {
            po.append_eltwise(1f, dnnl.algorithm.eltwise_gelu_erf, 0f, 0f);
            attr.set_post_ops(po);
        }
        matmul.desc d = new matmul.desc(src, wei, biasDesc, dst);
        matmul.primitive_desc pd = new matmul.primitive_desc(d, attr, eng);
        product = new matmul(pd);
        memory plain = new memory(new memory.desc(new long[] {in, out}, weightType, memory.format_tag.ab), eng,
                plainWeights);
        weights = new memory(pd.weights_desc(), eng);
        new reorder(plain, weights).execute(strm, plain, weights);
        strm._wait();
        bias = new memory(biasDesc, eng);
        keep = new Object[] {src, wei, dst, attr, po, d, pd, plain, plainWeights};
    }

    /** A oneDNN CPU engine, or an error naming why oneDNN does not load here. */
    public static engine cpu() {
        if (!FloatRuntime.available()) {
            throw new CompressionException("oneDNN is not available on this machine: " + FloatRuntime.unavailableReason());
        }
        return new engine(engine.kind.cpu, 0);
    }

    /** The input as the product reads it (float, row-major, contiguous), or an error naming the shape expected. */
    public INDArray input(INDArray input, String what) {
        INDArray x = NativeTrainer.contiguous(input);
        if (x.rank() != 2 || x.size(1) != in) {
            throw new CompressionException(what + " of " + in + " inputs given an array of shape "
                    + java.util.Arrays.toString(x.shape()));
        }
        return x;
    }

    /** The product of {@code rows} rows read at {@code src} (in the source type) into a new [rows, out] array. */
    public INDArray run(Pointer src, long rows) {
        INDArray y = Nd4j.createUninitialized(DataType.FLOAT, rows, out);
        Bound bd = bound.computeIfAbsent(rows, Bound::new);
        bd.src.set_data_handle(src);
        bd.dst.set_data_handle(NativeTrainer.at(NativeTrainer.address(y)));
        product.execute(strm, bd.args);
        strm._wait();
        return y;
    }

    /** Memory objects and arguments for one row count. */
    private final class Bound {
        final memory src;
        final memory dst;
        final IntMemoryMap args = new IntMemoryMap();

        Bound(long rows) {
            src = new memory(new memory.desc(new long[] {rows, in}, srcType, memory.format_tag.ab), eng,
                    NativeTrainer.at(0));
            dst = new memory(new memory.desc(new long[] {rows, out}, memory.data_type.f32, memory.format_tag.ab), eng,
                    NativeTrainer.at(0));
            args.put(dnnl.DNNL_ARG_SRC, src);
            args.put(dnnl.DNNL_ARG_WEIGHTS, weights);
            args.put(dnnl.DNNL_ARG_BIAS, bias);
            args.put(dnnl.DNNL_ARG_DST, dst);
            attrArgs.forEach(args::put);
        }
    }
}
