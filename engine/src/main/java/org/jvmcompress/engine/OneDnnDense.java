package org.jvmcompress.engine;

import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive_attr;
import org.jvmcompress.core.model.onnx.BertEncoder;
import org.jvmcompress.core.util.Matrices;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link BertEncoder.Dense} as one oneDNN float matrix product: weights packed once in oneDNN's layout, bias and (for
 * the feed-forward's first projection) the exact GELU fused into the primitive, rows a run-time dimension so one
 * primitive serves every batch and length. Input and output stay ND4J arrays (their memory is handed to oneDNN).
 */
public final class OneDnnDense implements BertEncoder.Projection {
    private final BertEncoder.Dense p;
    private final PackedMatmul product;

    public OneDnnDense(BertEncoder.Dense p) {
        this.p = p;
        int out = (int) p.w().size(1);
        product = new PackedMatmul(PackedMatmul.cpu(), (int) p.w().size(0), out, memory.data_type.f32, memory.data_type.f32,
                new primitive_attr(), Map.of(), p.gelu(), new FloatPointer(Matrices.floats(p.w())));
        new FloatPointer(product.bias.get_data_handle()).capacity(out).put(Matrices.floats(p.b()));
    }

    /** Every float projection of an encoder on oneDNN (integer ones stay as they are). */
    public static BertEncoder accelerate(BertEncoder enc) {
        return enc.mapProjections(q -> q instanceof BertEncoder.Dense d ? new OneDnnDense(d) : q);
    }

    @Override
    public synchronized INDArray apply(INDArray input) {
        INDArray x = product.input(input, "projection");
        return product.run(NativeTrainer.at(NativeTrainer.address(x)), x.size(0));
    }

    @Override
    public long numParams() {
        return p.numParams();
    }
}
