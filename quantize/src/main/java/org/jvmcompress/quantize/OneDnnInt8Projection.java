package org.jvmcompress.quantize;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.matmul;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.model.onnx.BertEncoder;
import org.jvmcompress.engine.FloatRuntime;
import org.jvmcompress.engine.NativeTrainer;
import org.jvmcompress.engine.PackedMatmul;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link BertEncoder.Int8} on oneDNN's integer matrix product: the input quantised to uint8 over its own range by a
 * reorder (round to nearest even, saturating, as ONNX DynamicQuantizeLinear), then uint8 x int8 with int32
 * accumulation, the input's zero point and the per-column scales (input scale x weight scale) applied inside the
 * product with the bias, then, for the feed-forward's first projection, the exact GELU: all in one primitive. The rows of the input are a run-time dimension: one product primitive serves
 * every batch and length; the quantising reorder and the memory objects are kept per row count.
 */
public final class OneDnnInt8Projection implements BertEncoder.Projection {
    private static final int KEEP_SHAPES = 256;

    private final BertEncoder.Int8 p;
    private final engine eng = new engine(engine.kind.cpu, 0);
    private final stream strm = new stream(eng);
    private final matmul product;
    private final memory weights;
    private final memory scales;
    private final memory zero;
    private final memory bias;
    private final float[] biasValues;
    private final float[] scaledBias;
    private final memory reorderScale;
    private final memory reorderZero;
    private final float[] scaleValues;
    private final String implementation;
    private final Map<Long, Bound> bound = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Bound> e) {
            return size() > KEEP_SHAPES;
        }
    };
    private BytePointer codes = new BytePointer(0);
    /** Native objects the primitives refer to, reachable as long as this projection is. */
    private final Object[] keep;

    public OneDnnInt8Projection(BertEncoder.Int8 p) {
        if (!FloatRuntime.available()) {
            throw new CompressionException("oneDNN is not available on this machine: " + FloatRuntime.unavailableReason());
        }
        this.p = p;
        primitive_attr attr = new primitive_attr();
        attr.set_output_scales(1 << 1, new float[] {(float) dnnl.DNNL_RUNTIME_F32_VAL});
        attr.set_zero_points(dnnl.DNNL_ARG_SRC, 0, new int[] {dnnl.DNNL_RUNTIME_S32_VAL});
        PackedMatmul m = new PackedMatmul(eng, strm, p.in(), p.out(), memory.data_type.u8, memory.data_type.s8, attr,
                p.gelu(), new BytePointer(p.codes()));
        this.product = m.product;
        this.weights = m.weights;
        this.implementation = m.implementation;
        this.scales = new memory(new memory.desc(new long[] {p.out()}, memory.data_type.f32, memory.format_tag.a), eng);
        this.zero = new memory(new memory.desc(new long[] {1}, memory.data_type.s32, memory.format_tag.a), eng);
        this.reorderScale = new memory(new memory.desc(new long[] {1}, memory.data_type.f32, memory.format_tag.a), eng);
        this.reorderZero = new memory(new memory.desc(new long[] {1}, memory.data_type.s32, memory.format_tag.a), eng);
        this.scaleValues = new float[p.out()];
        this.bias = new memory(m.biasDesc, eng);
        this.biasValues = p.b().dup().data().asFloat();
        this.scaledBias = new float[p.out()];
        this.keep = new Object[] {m};
    }

    /** oneDNN's name for the kernel it chose for the product. */
    public String implementation() {
        return implementation;
    }

    /** The integer weights and scales this runs. */
    public BertEncoder.Int8 weights() {
        return p;
    }

    @Override
    public synchronized INDArray apply(INDArray input) {
        INDArray x = input(input);
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, x.size(0), p.out());
        run(product, x, out);
        return out;
    }

    private INDArray input(INDArray input) {
        INDArray x = NativeTrainer.contiguous(input);
        if (x.rank() != 2 || x.size(1) != p.in()) {
            throw new CompressionException("int8 projection of " + p.in() + " inputs given an array of shape "
                    + java.util.Arrays.toString(x.shape()));
        }
        return x;
    }

    /** Quantises x into the codes buffer, then the product into y. */
    private void run(matmul prim, INDArray x, INDArray y) {
        long rows = x.size(0);
        long n = rows * p.in();
        if (codes.capacity() < n) {
            codes.close();
            codes = new BytePointer(n);
        }
        Bound bd = bound.computeIfAbsent(rows, Bound::new);
        bd.q.set_data_handle(codes);
        bd.dst.set_data_handle(NativeTrainer.at(NativeTrainer.address(y)));
        float[] grid;
        float[] small = BertEncoder.Int8.smallValues(x);
        if (small != null) {
            // a sentence or two: range and codes in the one Java pass that reads the values (a reorder call costs more)
            grid = BertEncoder.Int8.inputGrid(small);
            codes.position(0).put(BertEncoder.Int8.codes(small, grid));
        } else {
            grid = BertEncoder.Int8.inputGrid(x);
            bd.f.set_data_handle(NativeTrainer.at(NativeTrainer.address(x)));
            new FloatPointer(reorderScale.get_data_handle()).put(1f / grid[0]);
            new IntPointer(reorderZero.get_data_handle()).put((int) grid[1]);
            bd.quantiser.execute(strm, bd.reorderArgs);
        }
        // oneDNN adds the bias to the int32 sums before the output scales: it goes in divided by them
        for (int j = 0; j < scaleValues.length; j++) {
            scaleValues[j] = p.scales()[j] * grid[0];
            scaledBias[j] = biasValues[j] / scaleValues[j];
        }
        new FloatPointer(scales.get_data_handle()).capacity(scaleValues.length).put(scaleValues);
        new FloatPointer(bias.get_data_handle()).capacity(scaledBias.length).put(scaledBias);
        new IntPointer(zero.get_data_handle()).put((int) grid[1]);
        prim.execute(strm, bd.args);
        strm._wait();
    }

    /** Memory objects, the quantising reorder and the arguments for one row count, pointed at each call's arrays. */
    private final class Bound {
        final memory f;
        final memory q;
        final memory dst;
        final reorder quantiser;
        final IntMemoryMap reorderArgs = new IntMemoryMap();
        final IntMemoryMap args = new IntMemoryMap();

        Bound(long rows) {
            f = new memory(new memory.desc(new long[] {rows, p.in()}, memory.data_type.f32, memory.format_tag.ab), eng,
                    NativeTrainer.at(0));
            q = new memory(new memory.desc(new long[] {rows, p.in()}, memory.data_type.u8, memory.format_tag.ab), eng,
                    NativeTrainer.at(0));
            dst = new memory(new memory.desc(new long[] {rows, p.out()}, memory.data_type.f32, memory.format_tag.ab),
                    eng, NativeTrainer.at(0));
            quantiser = quantiser(f, q);
            reorderArgs.put(dnnl.DNNL_ARG_FROM, f);
            reorderArgs.put(dnnl.DNNL_ARG_TO, q);
            reorderArgs.put(dnnl.DNNL_ARG_ATTR_OUTPUT_SCALES, reorderScale);
            reorderArgs.put(dnnl.DNNL_ARG_ATTR_ZERO_POINTS | dnnl.DNNL_ARG_DST, reorderZero);
            args.put(dnnl.DNNL_ARG_SRC, q);
            args.put(dnnl.DNNL_ARG_WEIGHTS, weights);
            args.put(dnnl.DNNL_ARG_BIAS, bias);
            args.put(dnnl.DNNL_ARG_DST, dst);
            args.put(dnnl.DNNL_ARG_ATTR_OUTPUT_SCALES, scales);
            args.put(dnnl.DNNL_ARG_ATTR_ZERO_POINTS | dnnl.DNNL_ARG_SRC, zero);
        }
    }

    /** float -> uint8 with a run-time scale and zero point, for one row count. */
    private reorder quantiser(memory f, memory q) {
        primitive_attr attr = new primitive_attr();
        attr.set_output_scales(0, new float[] {(float) dnnl.DNNL_RUNTIME_F32_VAL});
        attr.set_zero_points(dnnl.DNNL_ARG_DST, 0, new int[] {dnnl.DNNL_RUNTIME_S32_VAL});
        return new reorder(new reorder.primitive_desc(f, q, attr, false));
    }

    @Override
    public long numParams() {
        return p.numParams();
    }
}
