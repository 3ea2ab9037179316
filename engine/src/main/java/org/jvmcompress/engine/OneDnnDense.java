package org.jvmcompress.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.matmul;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.model.onnx.BertEncoder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link BertEncoder.Dense} as one oneDNN float matrix product: weights packed once in oneDNN's layout, bias and (for
 * the feed-forward's first projection) the exact GELU fused into the primitive, rows a run-time dimension so one
 * primitive serves every batch and length. Input and output stay ND4J arrays (their memory is handed to oneDNN).
 */
public final class OneDnnDense implements BertEncoder.Projection {
    private final BertEncoder.Dense p;
    private final engine eng = new engine(engine.kind.cpu, 0);
    private final stream strm = new stream(eng);
    private final matmul product;
    private final memory weights;
    private final memory bias;
    private final int in;
    private final int out;
    /** Native objects the primitive refers to, reachable as long as this projection is. */
    private final Object[] keep;

    public OneDnnDense(BertEncoder.Dense p) {
        if (!FloatRuntime.available()) {
            throw new CompressionException("oneDNN is not available on this machine: " + FloatRuntime.unavailableReason());
        }
        this.p = p;
        this.in = (int) p.w().size(0);
        this.out = (int) p.w().size(1);
        FloatPointer w = new FloatPointer(p.w().dup('c').data().asFloat());
        PackedMatmul m = new PackedMatmul(eng, strm, in, out, memory.data_type.f32, memory.data_type.f32,
                new primitive_attr(), p.gelu(), w);
        this.product = m.product;
        this.weights = m.weights;
        this.bias = new memory(m.biasDesc, eng);
        new FloatPointer(bias.get_data_handle()).capacity(out).put(p.b().dup('c').data().asFloat());
        this.keep = new Object[] {m};
    }

    /** Every float projection of an encoder on oneDNN (integer ones stay as they are). */
    public static BertEncoder accelerate(BertEncoder enc) {
        return enc.mapProjections(q -> q instanceof BertEncoder.Dense d ? new OneDnnDense(d) : q);
    }

    @Override
    public synchronized INDArray apply(INDArray input) {
        INDArray x = input(input);
        INDArray y = Nd4j.createUninitialized(DataType.FLOAT, x.size(0), out);
        run(product, x, y);
        return y;
    }

    private INDArray input(INDArray input) {
        INDArray x = NativeTrainer.contiguous(input);
        if (x.rank() != 2 || x.size(1) != in) {
            throw new CompressionException("projection of " + in + " inputs given an array of shape "
                    + java.util.Arrays.toString(x.shape()));
        }
        return x;
    }

    private void run(matmul prim, INDArray x, INDArray y) {
        Bound bd = bound.computeIfAbsent(x.size(0), rows -> new Bound(rows));
        bd.src.set_data_handle(NativeTrainer.at(NativeTrainer.address(x)));
        bd.dst.set_data_handle(NativeTrainer.at(NativeTrainer.address(y)));
        prim.execute(strm, bd.args);
        strm._wait();
    }

    /**
     * Memory objects and arguments for one row count, pointed at each call's arrays: allocating them per call cost
     * more than the product itself for a sentence.
     */
    private final class Bound {
        final memory src;
        final memory dst;
        final IntMemoryMap args = new IntMemoryMap();

        Bound(long rows) {
            src = new memory(new memory.desc(new long[] {rows, in}, memory.data_type.f32, memory.format_tag.ab), eng,
                    NativeTrainer.at(0));
            dst = new memory(new memory.desc(new long[] {rows, out}, memory.data_type.f32, memory.format_tag.ab), eng,
                    NativeTrainer.at(0));
            args.put(dnnl.DNNL_ARG_SRC, src);
            args.put(dnnl.DNNL_ARG_WEIGHTS, weights);
            args.put(dnnl.DNNL_ARG_BIAS, bias);
            args.put(dnnl.DNNL_ARG_DST, dst);
        }
    }

    private final Map<Long, Bound> bound = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Bound> e) {
            return size() > 256;
        }
    };

    @Override
    public long numParams() {
        return p.numParams();
    }
}
