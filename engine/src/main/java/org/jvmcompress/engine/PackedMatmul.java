package org.jvmcompress.engine;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.matmul;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;

/**
 * One oneDNN matmul [rows, in] x [in, out] + bias [1, out] to float [rows, out], rows a run-time dimension (one
 * primitive for every batch and length), the exact GELU fused where asked, the weights packed once into the layout the
 * primitive chose. The attributes (scales, zero points) come from the caller.
 */
public final class PackedMatmul {
    public final matmul product;
    public final memory weights;
    public final memory.desc biasDesc;
    /** oneDNN's name for the kernel it chose. */
    public final String implementation;
    /** Native objects the primitive refers to, reachable as long as this is. */
    private final Object[] keep;

    /**
     * @param plainWeights the weights [in, out] row-major in {@code weightType}, copied into oneDNN's layout here
     */
    public PackedMatmul(engine eng, stream strm, int in, int out, memory.data_type srcType,
                        memory.data_type weightType, primitive_attr attr, boolean gelu, Pointer plainWeights) {
        long rows = dnnl.DNNL_RUNTIME_DIM_VAL;
        memory.desc src = new memory.desc(new long[] {rows, in}, srcType, memory.format_tag.ab);
        memory.desc wei = new memory.desc(new long[] {in, out}, weightType, memory.format_tag.any);
        biasDesc = new memory.desc(new long[] {1, out}, memory.data_type.f32, memory.format_tag.ab);
        memory.desc dst = new memory.desc(new long[] {rows, out}, memory.data_type.f32, memory.format_tag.ab);
        post_ops po = new post_ops();
        if (gelu) {
            po.append_eltwise(1f, dnnl.algorithm.eltwise_gelu_erf, 0f, 0f);
            attr.set_post_ops(po);
        }
        matmul.desc d = new matmul.desc(src, wei, biasDesc, dst);
        matmul.primitive_desc pd = new matmul.primitive_desc(d, attr, eng);
        product = new matmul(pd);
        implementation = pd.impl_info_str().getString();
        memory plain = new memory(new memory.desc(new long[] {in, out}, weightType, memory.format_tag.ab), eng,
                plainWeights);
        weights = new memory(pd.weights_desc(), eng);
        new reorder(plain, weights).execute(strm, plain, weights);
        strm._wait();
        keep = new Object[] {src, wei, dst, attr, po, d, pd, plain, plainWeights};
    }
}
