package org.jvmcompress.quantize;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.global.dnnl;
import org.jvmcompress.core.model.onnx.BertEncoder;
import org.jvmcompress.core.util.Matrices;
import org.jvmcompress.engine.NativeTrainer;
import org.jvmcompress.engine.PackedMatmul;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link BertEncoder.Int8} on oneDNN's integer matrix product. The input is quantised to uint8 over its own range (ONNX
 * DynamicQuantizeLinear): in Java, in the pass that reads the range, for up to 262,144 values; by a oneDNN reorder
 * (kept per row count) above. Then uint8 x int8 with int32 accumulation, the input's zero point, the per-column scales
 * (input scale x weight scale) and the bias in the product and, for the feed-forward's first projection, the exact
 * GELU: one primitive for every batch and length.
 */
public final class OneDnnInt8Projection implements BertEncoder.Projection {
    private static final int KEEP_SHAPES = 256;

    private final BertEncoder.Int8 p;
    private final PackedMatmul product;
    private final memory scales;
    private final memory zero;
    private final float[] biasValues;
    private final float[] scaledBias;
    private final memory reorderScale;
    private final memory reorderZero;
    private final float[] scaleValues;
    /** The quantising reorders of large inputs, by row count (made on first use). */
    private final Map<Long, Quantiser> quantisers = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Quantiser> e) {
            return size() > KEEP_SHAPES;
        }
    };
    private BytePointer codes = new BytePointer(0);

    public OneDnnInt8Projection(BertEncoder.Int8 p) {
        this.p = p;
        primitive_attr attr = new primitive_attr();
        attr.set_output_scales(1 << 1, new float[] {(float) dnnl.DNNL_RUNTIME_F32_VAL});
        attr.set_zero_points(dnnl.DNNL_ARG_SRC, 0, new int[] {dnnl.DNNL_RUNTIME_S32_VAL});
        engine eng = PackedMatmul.cpu();
        this.scales = new memory(new memory.desc(new long[] {p.out()}, memory.data_type.f32, memory.format_tag.a), eng);
        this.zero = new memory(new memory.desc(new long[] {1}, memory.data_type.s32, memory.format_tag.a), eng);
        this.product = new PackedMatmul(eng, p.in(), p.out(), memory.data_type.u8, memory.data_type.s8, attr,
                Map.of(dnnl.DNNL_ARG_ATTR_OUTPUT_SCALES, scales, dnnl.DNNL_ARG_ATTR_ZERO_POINTS | dnnl.DNNL_ARG_SRC,
                        zero), p.gelu(), new BytePointer(p.codes()));
        this.reorderScale = new memory(new memory.desc(new long[] {1}, memory.data_type.f32, memory.format_tag.a), eng);
        this.reorderZero = new memory(new memory.desc(new long[] {1}, memory.data_type.s32, memory.format_tag.a), eng);
        this.scaleValues = new float[p.out()];
        this.biasValues = Matrices.floats(p.b());
        this.scaledBias = new float[p.out()];
    }

    @Override
    public synchronized INDArray apply(INDArray input) {
        INDArray x = product.input(input, "int8 projection");
        long rows = x.size(0);
        long n = rows * p.in();
        if (codes.capacity() < n) {
            codes.close();
            codes = new BytePointer(n);
        }
        float[] grid;
        float[] small = BertEncoder.Int8.smallValues(x);
        if (small != null) {
            // a sentence or two: range and codes in the one Java pass that reads the values (a reorder call costs more)
            grid = BertEncoder.Int8.inputGrid(small);
            codes.position(0).put(BertEncoder.Int8.codes(small, grid));
        } else {
            grid = BertEncoder.Int8.inputGrid(x);
            Quantiser qz = quantisers.computeIfAbsent(rows, Quantiser::new);
            qz.from.set_data_handle(NativeTrainer.at(NativeTrainer.address(x)));
            qz.to.set_data_handle(codes);
            new FloatPointer(reorderScale.get_data_handle()).put(1f / grid[0]);
            new IntPointer(reorderZero.get_data_handle()).put((int) grid[1]);
            qz.reorder.execute(product.strm, qz.args);
        }
        // oneDNN adds the bias to the int32 sums before the output scales: it goes in divided by them
        for (int j = 0; j < scaleValues.length; j++) {
            scaleValues[j] = p.scales()[j] * grid[0];
            scaledBias[j] = biasValues[j] / scaleValues[j];
        }
        new FloatPointer(scales.get_data_handle()).capacity(scaleValues.length).put(scaleValues);
        new FloatPointer(product.bias.get_data_handle()).capacity(scaledBias.length).put(scaledBias);
        new IntPointer(zero.get_data_handle()).put((int) grid[1]);
        return product.run(codes, rows);
    }

    /** float -> uint8 with a run-time scale and zero point, for one row count, and its memory objects. */
    private final class Quantiser {
        final memory from;
        final memory to;
        final reorder reorder;
        final IntMemoryMap args = new IntMemoryMap();
        /** Native objects the reorder refers to, reachable as long as it is. */
        final Object[] keep;

        Quantiser(long rows) {
            from = new memory(new memory.desc(new long[] {rows, p.in()}, memory.data_type.f32, memory.format_tag.ab),
                    product.eng, NativeTrainer.at(0));
            to = new memory(new memory.desc(new long[] {rows, p.in()}, memory.data_type.u8, memory.format_tag.ab),
                    product.eng, NativeTrainer.at(0));
            primitive_attr attr = new primitive_attr();
            attr.set_output_scales(0, new float[] {(float) dnnl.DNNL_RUNTIME_F32_VAL});
            attr.set_zero_points(dnnl.DNNL_ARG_DST, 0, new int[] {dnnl.DNNL_RUNTIME_S32_VAL});
            reorder.primitive_desc pd = new reorder.primitive_desc(from, to, attr, false);
            reorder = new reorder(pd);
            args.put(dnnl.DNNL_ARG_FROM, from);
            args.put(dnnl.DNNL_ARG_TO, to);
            args.put(dnnl.DNNL_ARG_ATTR_OUTPUT_SCALES, reorderScale);
            args.put(dnnl.DNNL_ARG_ATTR_ZERO_POINTS | dnnl.DNNL_ARG_DST, reorderZero);
            keep = new Object[] {attr, pd};
        }
    }

    @Override
    public long numParams() {
        return p.numParams();
    }
}
