package org.jvmcompress.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.layer_normalization_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.model.onnx.BertEncoder;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link BertEncoder.LayerNorm} as one oneDNN layer-normalisation primitive, in place on the ND4J array (the ND4J
 * version is nine element-wise passes and reductions, most of the per-op overhead of a batch of one). Layer
 * normalisation has no run-time dimensions in oneDNN: a primitive is kept per row count.
 */
public final class OneDnnNorm implements BertEncoder.Norm {
    private static final int KEEP = 256;

    private final BertEncoder.LayerNorm p;
    private final int width;
    /** Made before the constructor body runs: {@link PackedMatmul#cpu} names why oneDNN is missing, if it is. */
    private final engine eng = PackedMatmul.cpu();
    private final stream strm = new stream(eng);
    private final memory scaleShift;
    private final Map<Long, layer_normalization_forward> byRows = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, layer_normalization_forward> e) {
            return size() > KEEP;
        }
    };

    public OneDnnNorm(BertEncoder.LayerNorm p) {
        this.p = p;
        this.width = (int) p.gain().length();
        this.scaleShift = new memory(new memory.desc(new long[] {2, width}, memory.data_type.f32, memory.format_tag.ab),
                eng);
        FloatPointer ss = new FloatPointer(scaleShift.get_data_handle()).capacity(2L * width);
        ss.put(p.gain().dup().data().asFloat());
        ss.position(width).put(p.bias().dup().data().asFloat());
    }

    /** Every layer normalisation of an encoder on oneDNN. */
    public static BertEncoder accelerate(BertEncoder enc) {
        return enc.mapNorms(n -> n instanceof BertEncoder.LayerNorm l ? new OneDnnNorm(l) : n);
    }

    @Override
    public synchronized INDArray apply(INDArray input) {
        INDArray x = NativeTrainer.contiguous(input);
        if (x.rank() != 2 || x.size(1) != width) {
            throw new CompressionException("layer normalisation of width " + width + " given an array of shape "
                    + java.util.Arrays.toString(x.shape()));
        }
        long rows = x.size(0);
        memory.desc d = new memory.desc(new long[] {rows, width}, memory.data_type.f32, memory.format_tag.ab);
        layer_normalization_forward prim = byRows.computeIfAbsent(rows, k -> new layer_normalization_forward(
                new layer_normalization_forward.primitive_desc(new layer_normalization_forward.desc(
                        dnnl.prop_kind.forward_inference, d, (float) p.eps(), dnnl.normalization_flags.use_scale_shift),
                        eng)));
        memory m = new memory(d, eng, NativeTrainer.at(NativeTrainer.address(x)));
        IntMemoryMap a = new IntMemoryMap();
        a.put(dnnl.DNNL_ARG_SRC, m);
        a.put(dnnl.DNNL_ARG_DST, m);
        a.put(dnnl.DNNL_ARG_SCALE_SHIFT, scaleShift);
        prim.execute(strm, a);
        strm._wait();
        m.close();
        return x;
    }

    @Override
    public long numParams() {
        return p.numParams();
    }
}
