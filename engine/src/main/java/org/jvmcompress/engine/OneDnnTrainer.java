package org.jvmcompress.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.batch_normalization_backward;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.inner_product_backward_data;
import org.bytedeco.dnnl.inner_product_backward_weights;
import org.bytedeco.dnnl.inner_product_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_backward;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.util.Matrices;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training steps of a convolutional network on oneDNN primitives ({@link NativeTrainer}), for the networks DL4J spends
 * most of its step outside the arithmetic on (small convolutions, per-layer array management): a chain of
 * convolutions (ReLU or identity), max or average pooling, batch normalisation, ReLU layers, dense layers (with
 * dropout on their input) and a softmax output layer with any loss function. The primitives read the weights from
 * DL4J's parameter arrays and write the gradients into its gradient arrays; batch normalisation's running mean and
 * variance move as DL4J moves them (its "gradient" for them is the update). Activations stay in the layouts oneDNN
 * picks between layers; primitives are built once per batch size. Checked against DL4J's own steps in
 * {@code OneDnnTrainerTest}.
 */
public final class OneDnnTrainer extends NativeTrainer {
    private enum Kind { CONV, POOL, BN, RELU, DENSE, OUT }

    /** One layer of the chain: its geometry and its parameters' and gradients' views in DL4J's flat arrays. */
    private static final class Spec {
        final Kind kind;
        final String name;
        int out;
        int kh;
        int kw;
        int sh;
        int sw;
        int[] pad;
        ConvolutionMode mode;
        boolean relu;
        boolean max;
        boolean includePad;
        double eps;
        double decay;
        boolean logStd;
        /** Dropout on the layer's input: the probability of keeping a unit (1: none). */
        double retain = 1;
        /** Parameter and gradient views: weights (gamma and beta as one [2, C] block for batch norm), bias. */
        INDArray w;
        INDArray b;
        INDArray gw;
        INDArray gb;
        INDArray mean;
        INDArray var;
        INDArray gmean;
        INDArray gvar;

        Spec(Kind kind, String name) {
            this.kind = kind;
            this.name = name;
        }
    }

    private final List<Spec> specs;
    /** The extra loss outputs on inner layers, and the chain position of the layer each reads. */
    private final List<Tap> taps;
    private final int[] tapAt;
    /** The adapter layer each tap reads (null: it reads the chain layer itself). */
    private final Spec[] adapters;
    private final engine eng;
    private final stream strm;
    private final Map<Long, Plan> plans = new HashMap<>();
    private final SplittableRandom random;
    /** The plan and the features of the batch in progress. */
    private Plan plan;
    private INDArray features;

    private OneDnnTrainer(ComputationGraph g, List<Spec> specs, IActivation outputActivation,
                          Map<String, INDArray> gradientViews, List<Tap> taps, int[] tapAt, Spec[] adapters) {
        super(g, gradientViews, outputActivation);
        this.specs = specs;
        this.taps = taps;
        this.tapAt = tapAt;
        this.adapters = adapters;
        this.eng = new engine(engine.kind.cpu, 0);
        this.strm = new stream(eng);
        this.random = new SplittableRandom(g.getConfiguration().getDefaultConfiguration().getSeed());
    }

    /** The trainer for a network; a {@link CompressionException} names the layer it does not run. */
    public static OneDnnTrainer create(ComputationGraph g) {
        ComputationGraphConfiguration c = g.getConfiguration();
        if (c.getNetworkInputs().size() != 1) {
            throw new CompressionException("oneDNN trainer: one input needed");
        }
        List<String> outputs = c.getNetworkOutputs();
        List<Tap> taps = new ArrayList<>();
        List<Integer> tapAt = new ArrayList<>();
        if (g.getFlattenedGradients() == null) {
            g.initGradientsView();
        }
        List<Spec> specs = new ArrayList<>();
        List<Spec> tapAdapters = new ArrayList<>();
        // Adapters: layers that only extra outputs read (a hint's 1x1 convolution or dense layer), by name, with the
        // chain position of the layer they read.
        Map<String, Spec> adapters = new HashMap<>();
        Map<String, Integer> adapterAt = new HashMap<>();
        Map<String, List<String>> readers = new HashMap<>();
        c.getVertexInputs().forEach((v, ins) -> ins.forEach(in -> readers.computeIfAbsent(in, x -> new ArrayList<>())
                .add(v)));
        Map<String, INDArray> views = views();
        String prev = c.getNetworkInputs().get(0);
        IActivation outAct = null;
        Lowering.Lowered lw = Lowering.lower(c);
        for (Lowering.Node node : lw.nodes()) {
            String name = node.name();
            List<String> ins = node.inputs();
            int output = outputs.indexOf(name);
            if (output > 0) {
                int at = chainIndex(specs, ins);
                Spec adapter = ins.size() == 1 ? adapters.get(ins.get(0)) : null;
                if (adapter != null) {
                    at = adapterAt.get(adapter.name);
                }
                taps.add(tap(node, output, at));
                tapAt.add(at);
                tapAdapters.add(adapter);
                continue;
            }
            boolean adapter = !outputs.contains(name) && readers.containsKey(name)
                    && readers.get(name).stream().allMatch(r -> outputs.indexOf(r) > 0);
            if (adapter) {
                int at = chainIndex(specs, ins);
                if (at < 0) {
                    throw unsupported(name, "a layer before a loss output that does not read a layer of the chain");
                }
                adapterAt.put(name, at);
            } else {
                if (ins.size() != 1 || !ins.get(0).equals(prev)) {
                    throw unsupported(name, "not a chain of layers");
                }
                prev = name;
            }
            if (node instanceof Lowering.Unsupported u) {
                throw unsupported(name, u.why());
            }
            if (node instanceof Lowering.Other o) {
                throw unsupported(name, o.what());
            }
            if (lw.trainingOnly().containsKey(name)) {
                throw unsupported(name, lw.trainingOnly().get(name));
            }
            if (!(node instanceof Lowering.Dense) && ((LayerVertex) c.getVertices().get(name)).getPreProcessor() != null) {
                throw unsupported(name, "input preprocessor " + ((LayerVertex) c.getVertices().get(name))
                        .getPreProcessor().getClass().getSimpleName());
            }
            org.deeplearning4j.nn.api.Layer running = g.getLayer(name);
            Map<String, INDArray> p = running.paramTable();
            Spec s;
            if (node instanceof Lowering.Conv cl && !cl.oneD() && cl.multiplier() == 0) {
                if (!cl.hasBias()) {
                    throw unsupported(name, "a convolution without bias");
                }
                if (cl.mode() == ConvolutionMode.Causal) {
                    throw unsupported(name, "causal convolution");
                }
                s = new Spec(Kind.CONV, name);
                long[] ws = p.get("W").shape();
                s.out = (int) ws[0];
                s.kh = (int) ws[2];
                s.kw = (int) ws[3];
                s.sh = cl.sh();
                s.sw = cl.sw();
                s.pad = cl.pad();
                s.mode = cl.mode();
                s.relu = cl.relu();
                s.w = plain(p.get("W"), 'c', name);
                s.b = plain(p.get("b"), 'c', name);
            } else if (node instanceof Lowering.Pool sp) {
                if (sp.mode() == ConvolutionMode.Causal) {
                    throw unsupported(name, "causal pooling");
                }
                s = new Spec(Kind.POOL, name);
                s.max = sp.max();
                s.includePad = sp.includePad();
                s.kh = sp.kh();
                s.kw = sp.kw();
                s.sh = sp.sh();
                s.sw = sp.sw();
                s.pad = sp.pad();
                s.mode = sp.mode();
            } else if (node instanceof Lowering.BatchNorm bn) {
                if (bn.lockGammaBeta() || !p.containsKey("gamma")) {
                    throw unsupported(name, "batch normalisation with fixed gamma and beta or channels-last data");
                }
                // (DL4J's batch norm layer applies no activation, whatever its configuration says)
                s = new Spec(Kind.BN, name);
                s.eps = bn.eps();
                s.decay = bn.decay();
                s.logStd = bn.logStd();
                s.w = adjacent(p.get("gamma"), p.get("beta"), name);
                s.mean = plain(p.get("mean"), 'c', name);
                s.var = plain(p.get(s.logStd ? "log10stdev" : "var"), 'c', name);
            } else if (node instanceof Lowering.Relu) {
                s = new Spec(Kind.RELU, name);
            } else if (node instanceof Lowering.Dense dl) {
                if (!dl.hasBias()) {
                    throw unsupported(name, "a dense layer without bias");
                }
                if (dl.output()) {
                    outAct = dl.activation();
                }
                s = new Spec(dl.output() ? Kind.OUT : Kind.DENSE, name);
                s.out = (int) p.get("W").size(1);
                s.relu = dl.relu();
                s.w = plain(p.get("W"), 'f', name);
                s.b = plain(p.get("b"), 'c', name);
                s.retain = dl.retain();
            } else {
                throw unsupported(name, "layer type " + ((LayerVertex) c.getVertices().get(name)).getLayerConf()
                        .getLayer().getClass().getSimpleName());
            }
            if (s.kind == Kind.OUT && !name.equals(c.getNetworkOutputs().get(0))) {
                throw unsupported(name, "an output layer inside the network");
            }
            Map<String, INDArray> grads = gradientsOf(running, name, views);
            switch (s.kind) {
                case CONV, DENSE, OUT -> {
                    s.gw = grads.get("W");
                    s.gb = grads.get("b");
                }
                case BN -> {
                    s.gw = adjacent(grads.get("gamma"), grads.get("beta"), name);
                    s.gmean = grads.get("mean");
                    s.gvar = grads.get(s.logStd ? "log10stdev" : "var");
                }
                default -> { }
            }
            if (adapter) {
                if (s.kind != Kind.CONV && s.kind != Kind.DENSE || s.relu || s.retain < 1) {
                    throw unsupported(name, "an adapter other than a convolution or dense layer without activation"
                            + " or dropout");
                }
                adapters.put(name, s);
            } else {
                specs.add(s);
            }
        }
        if (specs.isEmpty() || specs.get(specs.size() - 1).kind != Kind.OUT) {
            throw new CompressionException("oneDNN trainer: the network must end in a softmax output layer");
        }
        if (tapAt.contains(specs.size() - 1)) {
            throw unsupported(specs.get(specs.size() - 1).name, "a loss output on the output layer");
        }
        if (specs.get(0).kind == Kind.DENSE || specs.get(0).kind == Kind.OUT) {
            throw new CompressionException("oneDNN trainer: a network that starts with a dense layer");
        }
        for (int i = 1; i < specs.size(); i++) {
            Spec s = specs.get(i);
            if (s.retain < 1 && specs.get(i - 1).kind != Kind.DENSE) {
                throw unsupported(s.name, "dropout on an input that is not a dense layer's output");
            }
        }
        return new OneDnnTrainer(g, specs, outAct, views, List.copyOf(taps),
                tapAt.stream().mapToInt(Integer::intValue).toArray(), tapAdapters.toArray(new Spec[0]));
    }

    /** The chain position of a vertex's only input, or -1 (no single input, or not a layer of the chain). */
    private static int chainIndex(List<Spec> specs, List<String> ins) {
        for (int k = 0; ins.size() == 1 && k < specs.size(); k++) {
            if (specs.get(k).name.equals(ins.get(0))) {
                return k;
            }
        }
        return -1;
    }

    /**
     * An extra output {@code name} (a network output after the first) as a tap on chain layer {@code at}: a loss layer
     * with identity activation on one layer of the chain, through at most a flattening of its NCHW activations.
     */
    private static Tap tap(Lowering.Node node, int output, int at) {
        if (at < 0) {
            throw unsupported(node.name(), "an extra output that does not read a layer of the chain before it");
        }
        if (node instanceof Lowering.Unsupported u) {
            throw unsupported(node.name(), u.why());
        }
        if (!(node instanceof Lowering.Loss l)) {
            throw unsupported(node.name(), "an extra output that is not a loss layer");
        }
        return new Tap(node.name(), output, l.loss());
    }

    @Override
    protected List<Tap> taps() {
        return taps;
    }

    @Override
    protected float[] tapActivations(int k) {
        return plan.read(plan.tapOut[k]);
    }

    @Override
    protected void tapGradients(float[][] d) {
        System.arraycopy(d, 0, plan.tapGrad, 0, d.length);
    }

    /** Two [1, C] arrays that lie one after the other in memory, as one [2, C] block (gamma then beta). */
    private static INDArray adjacent(INDArray first, INDArray second, String name) {
        plain(first, 'c', name);
        plain(second, 'c', name);
        if (address(second) != address(first) + first.length() * 4) {
            throw unsupported(name, "gamma and beta apart in memory");
        }
        return first;
    }

    /** A short description of what runs, for logs. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("oneDNN trainer (");
        for (Spec s : specs) {
            sb.append(sb.charAt(sb.length() - 1) == '(' ? "" : ", ").append(s.kind.name().toLowerCase(java.util.Locale.ROOT));
        }
        return sb.append(')').toString();
    }

    @Override
    protected float[] forward(INDArray batch) {
        INDArray x = batch;
        if (x.dataType() != DataType.FLOAT || x.ordering() != 'c' || x.elementWiseStride() != 1
                || x.offset() != x.data().offset()) {
            x = x.castTo(DataType.FLOAT).dup('c');
        }
        long n = x.size(0);
        long[] shape = java.util.Arrays.copyOfRange(x.shape(), 1, x.rank());
        plan = plans.computeIfAbsent(n, k -> new Plan(k, shape));
        if (!java.util.Arrays.equals(plan.inShape, shape)) {
            throw new CompressionException("oneDNN trainer: input of shape " + java.util.Arrays.toString(x.shape())
                    + " after batches of " + java.util.Arrays.toString(plan.inShape));
        }
        plan.input.set_data_handle(at(address(x)));
        features = x; // kept until the backward pass, which reads it
        plan.forward();
        return plan.read(plan.logits);
    }

    @Override
    protected void backward(float[] dPre) {
        plan.write(plan.dLogits, dPre);
        plan.backward();
        plan.input.set_data_handle(at(0));
        features = null;
        plan.runningStatistics();
    }

    /** The primitives and buffers for one batch size. */
    private final class Plan {
        final long n;
        final long[] inShape;
        final List<Runnable> fwd = new ArrayList<>();
        final List<Runnable> bwd = new ArrayList<>();
        final List<Object> keep = new ArrayList<>();
        final memory input;
        memory logits;
        memory dLogits;
        /** Batch norm's batch mean and variance, by layer (null for other layers). */
        final memory[] batchMean = new memory[specs.size()];
        final memory[] batchVar = new memory[specs.size()];
        /** Dropout masks (keep / retain, or 0), by layer. */
        final float[][] masks = new float[specs.size()][];
        /** Each tap's activations in plain layout after the forward pass, and its gradient for the backward pass. */
        final memory[] tapOut = new memory[taps.size()];
        final float[][] tapGrad = new float[taps.size()][];
        /** The forward primitives of the taps' adapters ({@link #convForward} or {@link #denseForward}). */
        final Object[][] adapterFpd = new Object[taps.size()][];

        Plan(long n, long[] inShape) {
            this.n = n;
            this.inShape = inShape;
            long[] dims = new long[inShape.length + 1];
            dims[0] = n;
            System.arraycopy(inShape, 0, dims, 1, inShape.length);
            if (dims.length != 4) {
                throw new CompressionException("oneDNN trainer: images [batch, channels, height, width] needed, got "
                        + java.util.Arrays.toString(dims));
            }
            input = new memory(new memory.desc(dims, memory.data_type.f32, memory.format_tag.abcd), eng,
                    new FloatPointer(1));
            keep.add(input);
            int count = specs.size();
            memory[] src = new memory[count];     // what each layer's forward primitive read
            memory[] dst = new memory[count];     // what it wrote
            memory[] ws = new memory[count];      // pooling workspaces
            Object[] fpd = new Object[count];     // forward primitive descriptors (hints for the backward ones)
            memory cur = input;
            for (int i = 0; i < count; i++) {
                Spec s = specs.get(i);
                long[] cd = dims(cur);
                checkInput(s, cd);
                switch (s.kind) {
                    case CONV -> {
                        Object[] f = convForward(s, cur, cd);
                        src[i] = srcOf(f);
                        dst[i] = dstOf(f);
                        fpd[i] = f;
                    }
                    case POOL -> {
                        long[] pad = FloatRuntime.padding(s.mode, s.pad, cd[2], cd[3], s.kh, s.kw, s.sh, s.sw);
                        pooling_forward.desc d = new pooling_forward.desc(dnnl.prop_kind.forward_training,
                                poolAlgorithm(s), cur.get_desc(),
                                any(FloatRuntime.outputDims(cd, cd[1], pad, s.kh, s.kw, s.sh, s.sw)),
                                new long[] {s.sh, s.sw}, new long[] {s.kh, s.kw}, new long[] {pad[0], pad[1]},
                                new long[] {pad[2], pad[3]});
                        pooling_forward.primitive_desc pd = new pooling_forward.primitive_desc(d, eng);
                        src[i] = cur;
                        dst[i] = new memory(pd.dst_desc(), eng);
                        Map<Integer, memory> a = new HashMap<>(Map.of(dnnl.DNNL_ARG_SRC, cur, dnnl.DNNL_ARG_DST,
                                dst[i]));
                        if (pd.workspace_desc().get_size() > 0) {
                            ws[i] = new memory(pd.workspace_desc(), eng);
                            a.put(dnnl.DNNL_ARG_WORKSPACE, ws[i]);
                        }
                        exec(fwd, new pooling_forward(pd), a);
                        keep.add(new Object[] {d, pd});
                        fpd[i] = new Object[] {pd, pad};
                    }
                    case BN -> {
                        batch_normalization_forward.desc d = new batch_normalization_forward.desc(
                                dnnl.prop_kind.forward_training, cur.get_desc(), (float) s.eps,
                                dnnl.normalization_flags.use_scale_shift);
                        batch_normalization_forward.primitive_desc pd =
                                new batch_normalization_forward.primitive_desc(d, eng);
                        src[i] = cur;
                        dst[i] = new memory(pd.dst_desc(), eng);
                        batchMean[i] = new memory(pd.mean_desc(), eng);
                        batchVar[i] = new memory(pd.variance_desc(), eng);
                        exec(fwd, new batch_normalization_forward(pd), Map.of(dnnl.DNNL_ARG_SRC, cur,
                                dnnl.DNNL_ARG_DST, dst[i], dnnl.DNNL_ARG_SCALE_SHIFT,
                                user(s.w, new long[] {2, cd[1]}), dnnl.DNNL_ARG_MEAN, batchMean[i],
                                dnnl.DNNL_ARG_VARIANCE, batchVar[i]));
                        keep.add(new Object[] {d, pd});
                        fpd[i] = pd;
                    }
                    case RELU -> {
                        eltwise_forward.desc d = new eltwise_forward.desc(dnnl.prop_kind.forward_training,
                                dnnl.algorithm.eltwise_relu_use_dst_for_bwd, cur.get_desc(), 0f, 0f);
                        eltwise_forward.primitive_desc pd = new eltwise_forward.primitive_desc(d, eng);
                        src[i] = cur;
                        dst[i] = new memory(pd.dst_desc(), eng);
                        exec(fwd, new eltwise_forward(pd), Map.of(dnnl.DNNL_ARG_SRC, cur, dnnl.DNNL_ARG_DST,
                                dst[i]));
                        keep.add(new Object[] {d, pd});
                        fpd[i] = pd;
                    }
                    case DENSE, OUT -> {
                        if (s.retain < 1) {
                            memory dropped = new memory(cur.get_desc(), eng);
                            int size = (int) (cur.get_desc().get_size() / 4);
                            float[] mask = new float[size];
                            masks[i] = mask;
                            memory from = cur;
                            fwd.add(() -> {
                                float inv = (float) (1 / s.retain);
                                for (int j = 0; j < mask.length; j++) {
                                    mask[j] = random.nextDouble() < s.retain ? inv : 0f;
                                }
                                float[] v = read(from);
                                for (int j = 0; j < v.length; j++) {
                                    v[j] *= mask[j];
                                }
                                write(dropped, v);
                            });
                            cur = dropped;
                            keep.add(dropped);
                        }
                        Object[] f = denseForward(s, cur, cd);
                        src[i] = srcOf(f);
                        dst[i] = dstOf(f);
                        fpd[i] = f;
                    }
                    default -> throw new IllegalStateException();
                }
                cur = dst[i];
                for (int k = 0; k < taps.size(); k++) {
                    if (tapAt[k] == i) {
                        Spec a = adapters[k];
                        memory v = cur;
                        if (a != null) { // the tap reads an adapter layer on this layer's output
                            checkInput(a, dims(cur));
                            adapterFpd[k] = a.kind == Kind.CONV ? convForward(a, cur, dims(cur))
                                    : denseForward(a, cur, dims(cur));
                            v = dstOf(adapterFpd[k]);
                        }
                        tapOut[k] = into(fwd, v, plainDesc(dims(v)));
                    }
                }
            }
            logits = cur;
            dLogits = new memory(logits.get_desc(), eng);
            keep.add(dLogits);
            // Backward, from the loss's gradient to the first layer's weights.
            memory diff = dLogits;
            for (int i = count - 1; i >= 0; i--) {
                Spec s = specs.get(i);
                boolean needData = i > 0;
                diff = withTapGradients(i, diff);
                switch (s.kind) {
                    case CONV -> {
                        if (s.relu) {
                            diff = reluBackward(dst[i], diff);
                        }
                        diff = convBackward(s, (Object[]) fpd[i], diff, needData);
                    }
                    case POOL -> {
                        Object[] f = (Object[]) fpd[i];
                        pooling_forward.primitive_desc pd = (pooling_forward.primitive_desc) f[0];
                        long[] pad = (long[]) f[1];
                        pooling_backward.desc bd = new pooling_backward.desc(poolAlgorithm(s), src[i].get_desc(),
                                dst[i].get_desc(), new long[] {s.sh, s.sw}, new long[] {s.kh, s.kw},
                                new long[] {pad[0], pad[1]}, new long[] {pad[2], pad[3]});
                        pooling_backward.primitive_desc bpd = new pooling_backward.primitive_desc(bd, eng, pd);
                        memory bDiff = into(bwd, diff, bpd.diff_dst_desc());
                        memory dSrc = new memory(bpd.diff_src_desc(), eng);
                        Map<Integer, memory> a = new HashMap<>(Map.of(dnnl.DNNL_ARG_DIFF_DST, bDiff,
                                dnnl.DNNL_ARG_DIFF_SRC, dSrc));
                        if (ws[i] != null) {
                            a.put(dnnl.DNNL_ARG_WORKSPACE, ws[i]);
                        }
                        exec(bwd, new pooling_backward(bpd), a);
                        keep.add(new Object[] {bd, bpd});
                        diff = dSrc;
                    }
                    case BN -> {
                        batch_normalization_forward.primitive_desc pd =
                                (batch_normalization_forward.primitive_desc) fpd[i];
                        batch_normalization_backward.desc bd = new batch_normalization_backward.desc(
                                dnnl.prop_kind.backward, src[i].get_desc(), src[i].get_desc(), (float) s.eps,
                                dnnl.normalization_flags.use_scale_shift);
                        batch_normalization_backward.primitive_desc bpd =
                                new batch_normalization_backward.primitive_desc(bd, eng, pd);
                        memory bDiff = into(bwd, diff, bpd.diff_dst_desc());
                        memory dSrc = new memory(bpd.diff_src_desc(), eng);
                        long c = dims(src[i])[1];
                        exec(bwd, new batch_normalization_backward(bpd), Map.of(dnnl.DNNL_ARG_SRC, src[i],
                                dnnl.DNNL_ARG_MEAN, batchMean[i], dnnl.DNNL_ARG_VARIANCE, batchVar[i],
                                dnnl.DNNL_ARG_DIFF_DST, bDiff, dnnl.DNNL_ARG_SCALE_SHIFT,
                                user(s.w, new long[] {2, c}), dnnl.DNNL_ARG_DIFF_SRC, dSrc,
                                dnnl.DNNL_ARG_DIFF_SCALE_SHIFT, user(s.gw, new long[] {2, c})));
                        keep.add(new Object[] {bd, bpd});
                        diff = dSrc;
                    }
                    case RELU -> diff = reluBackward(dst[i], diff);
                    case DENSE, OUT -> {
                        Object[] f = (Object[]) fpd[i];
                        memory in = (memory) f[2];
                        if (s.relu) {
                            diff = reluBackward(dst[i], diff);
                        }
                        if (needData) {
                            memory dSrc = denseBackward(s, f, diff, true);
                            diff = dSrc;
                            if (masks[i] != null) {
                                float[] mask = masks[i];
                                memory d2 = dSrc;
                                memory plainDiff = into(bwd, d2, in.get_desc());
                                bwd.add(() -> {
                                    float[] v = read(plainDiff);
                                    for (int j = 0; j < v.length; j++) {
                                        v[j] *= mask[j];
                                    }
                                    write(plainDiff, v);
                                });
                                diff = plainDiff;
                            }
                        } else {
                            denseBackward(s, f, diff, false);
                        }
                    }
                    default -> throw new IllegalStateException();
                }
            }
        }

        /** The source a forward primitive of {@link #convForward} or {@link #denseForward} reads, and its output. */
        private static memory srcOf(Object[] f) {
            return (memory) f[f.length - 2];
        }

        private static memory dstOf(Object[] f) {
            return (memory) f[f.length - 1];
        }

        /**
         * A convolution's forward primitive (into the forward list) on {@code cur} of dimensions {@code cd}: returns
         * {primitive descriptor, padding, weights in oneDNN's layout, the source it reads, its output}.
         */
        private Object[] convForward(Spec s, memory cur, long[] cd) {
            long[] pad = FloatRuntime.padding(s.mode, s.pad, cd[2], cd[3], s.kh, s.kw, s.sh, s.sw);
            convolution_forward.desc d = new convolution_forward.desc(dnnl.prop_kind.forward_training,
                    dnnl.algorithm.convolution_direct, any(cd), any(weightDims(s, cd)), plainDesc(s.out),
                    any(FloatRuntime.outputDims(cd, s.out, pad, s.kh, s.kw, s.sh, s.sw)),
                    new long[] {s.sh, s.sw},
                    new long[] {pad[0], pad[1]}, new long[] {pad[2], pad[3]});
            convolution_forward.primitive_desc pd = new convolution_forward.primitive_desc(d, reluAttr(s.relu), eng);
            memory src = into(fwd, cur, pd.src_desc());
            memory w = into(fwd, user(s.w, weightDims(s, cd)), pd.weights_desc());
            memory dst = new memory(pd.dst_desc(), eng);
            exec(fwd, new convolution_forward(pd), Map.of(dnnl.DNNL_ARG_SRC, src,
                    dnnl.DNNL_ARG_WEIGHTS, w, dnnl.DNNL_ARG_BIAS, user(s.b, new long[] {s.out}),
                    dnnl.DNNL_ARG_DST, dst));
            keep.add(new Object[] {d, pd});
            return new Object[] {pd, pad, w, src, dst};
        }

        /**
         * A convolution's backward primitives (into the backward list) from the gradient of its output before any
         * activation ({@code diff}; {@code f} from {@link #convForward}): its weight and bias gradients into DL4J's
         * arrays; returns the gradient of its input ({@code needData}) or null.
         */
        private memory convBackward(Spec s, Object[] f, memory diff, boolean needData) {
            convolution_forward.primitive_desc pd = (convolution_forward.primitive_desc) f[0];
            long[] pad = (long[]) f[1];
            memory src = srcOf(f);
            long[] sd = dims(src);
            long[] wd = weightDims(s, sd);
            long[] od = dims(dstOf(f));
            convolution_backward_weights.desc bd = new convolution_backward_weights.desc(
                    dnnl.algorithm.convolution_direct, any(sd), any(wd), plainDesc(s.out), any(od),
                    new long[] {s.sh, s.sw}, new long[] {pad[0], pad[1]}, new long[] {pad[2], pad[3]});
            convolution_backward_weights.primitive_desc bpd =
                    new convolution_backward_weights.primitive_desc(bd, eng, pd);
            weightGradients(s, new convolution_backward_weights(bpd), bpd.src_desc(),
                    bpd.diff_dst_desc(), bpd.diff_weights_desc(), src, diff, wd);
            keep.add(new Object[] {bd, bpd});
            if (!needData) {
                return null;
            }
            convolution_backward_data.desc dd = new convolution_backward_data.desc(
                    dnnl.algorithm.convolution_direct, any(sd), any(wd), any(od),
                    new long[] {s.sh, s.sw}, new long[] {pad[0], pad[1]}, new long[] {pad[2], pad[3]});
            convolution_backward_data.primitive_desc dpd = new convolution_backward_data.primitive_desc(dd, eng, pd);
            memory dSrc = dataGradient(new convolution_backward_data(dpd), (memory) f[2], dpd.weights_desc(),
                    dpd.diff_dst_desc(), dpd.diff_src_desc(), diff);
            keep.add(new Object[] {dd, dpd});
            return dSrc;
        }

        /**
         * A dense layer's forward primitive on {@code cur} (flattened per example): returns {primitive descriptor,
         * weight dimensions, its input, weights in oneDNN's layout, the source it reads, its output}.
         */
        private Object[] denseForward(Spec s, memory cur, long[] cd) {
            long[] wd = cd.clone();
            wd[0] = s.out;
            inner_product_forward.desc d = new inner_product_forward.desc(dnnl.prop_kind.forward_training,
                    any(cd), any(wd), plainDesc(s.out),
                    new memory.desc(new long[] {n, s.out}, memory.data_type.f32, memory.format_tag.ab));
            inner_product_forward.primitive_desc pd = new inner_product_forward.primitive_desc(d, reluAttr(s.relu), eng);
            memory src = into(fwd, cur, pd.src_desc());
            memory w = into(fwd, user(s.w, wd), pd.weights_desc());
            memory dst = new memory(pd.dst_desc(), eng);
            exec(fwd, new inner_product_forward(pd), Map.of(dnnl.DNNL_ARG_SRC, src,
                    dnnl.DNNL_ARG_WEIGHTS, w, dnnl.DNNL_ARG_BIAS, user(s.b, new long[] {s.out}),
                    dnnl.DNNL_ARG_DST, dst));
            keep.add(new Object[] {d, pd});
            return new Object[] {pd, wd, cur, w, src, dst};
        }

        /** A dense layer's backward primitives (as {@link #convBackward}; {@code f} from {@link #denseForward}). */
        private memory denseBackward(Spec s, Object[] f, memory diff, boolean needData) {
            inner_product_forward.primitive_desc pd = (inner_product_forward.primitive_desc) f[0];
            long[] wd = (long[]) f[1];
            long[] sd = dims((memory) f[2]);
            memory.desc od = new memory.desc(new long[] {n, s.out}, memory.data_type.f32, memory.format_tag.ab);
            inner_product_backward_weights.desc bd = new inner_product_backward_weights.desc(any(sd),
                    any(wd), plainDesc(s.out), od);
            inner_product_backward_weights.primitive_desc bpd =
                    new inner_product_backward_weights.primitive_desc(bd, eng, pd);
            weightGradients(s, new inner_product_backward_weights(bpd), bpd.src_desc(),
                    bpd.diff_dst_desc(), bpd.diff_weights_desc(), srcOf(f), diff, wd);
            keep.add(new Object[] {bd, bpd, od});
            if (!needData) {
                return null;
            }
            inner_product_backward_data.desc dd = new inner_product_backward_data.desc(any(sd), any(wd), od);
            inner_product_backward_data.primitive_desc dpd = new inner_product_backward_data.primitive_desc(dd, eng, pd);
            memory dSrc = dataGradient(new inner_product_backward_data(dpd), (memory) f[3],
                    dpd.weights_desc(), dpd.diff_dst_desc(), dpd.diff_src_desc(), diff);
            keep.add(new Object[] {dd, dpd});
            return dSrc;
        }

        /**
         * The gradient of layer i's output with the gradients of the taps on it added (a plain copy of {@code diff}
         * they are added into), or {@code diff} itself when none reads it.
         */
        private memory withTapGradients(int i, memory diff) {
            List<Integer> here = new ArrayList<>();
            for (int k = 0; k < taps.size(); k++) {
                if (tapAt[k] == i) {
                    here.add(k);
                }
            }
            if (here.isEmpty()) {
                return diff;
            }
            long[] outDims = dims(diff);
            // through each adapter: its weight gradients, and the gradient of what it reads in plain layout
            Map<Integer, memory> through = new HashMap<>();
            for (int k : here) {
                Spec a = adapters[k];
                if (a != null) {
                    Object[] f = adapterFpd[k];
                    memory dOut = new memory(plainDesc(dims(dstOf(f))), eng);
                    keep.add(dOut);
                    bwd.add(() -> write(dOut, tapGrad[k]));
                    memory dIn = a.kind == Kind.CONV ? convBackward(a, f, dOut, true) : denseBackward(a, f, dOut, true);
                    through.put(k, into(bwd, dIn, plainDesc(outDims)));
                }
            }
            memory sum = new memory(plainDesc(outDims), eng);
            keep.add(sum);
            copy(bwd, diff, sum);
            bwd.add(() -> {
                float[] v = read(sum);
                for (int k : here) {
                    float[] g = through.containsKey(k) ? read(through.get(k)) : tapGrad[k];
                    for (int j = 0; j < v.length; j++) {
                        v[j] += g[j];
                    }
                }
                write(sum, v);
            });
            return sum;
        }

        private memory reluBackward(memory dstMem, memory diff) {
            memory.desc dd = dstMem.get_desc();
            eltwise_forward.desc fd = new eltwise_forward.desc(dnnl.prop_kind.forward_training,
                    dnnl.algorithm.eltwise_relu_use_dst_for_bwd, dd, 0f, 0f);
            eltwise_forward.primitive_desc fpd = new eltwise_forward.primitive_desc(fd, eng);
            eltwise_backward.desc bd = new eltwise_backward.desc(dnnl.algorithm.eltwise_relu_use_dst_for_bwd, dd,
                    dd, 0f, 0f);
            eltwise_backward.primitive_desc bpd = new eltwise_backward.primitive_desc(bd, eng, fpd);
            memory d = into(bwd, diff, bpd.diff_dst_desc());
            memory out = new memory(bpd.diff_src_desc(), eng);
            exec(bwd, new eltwise_backward(bpd), Map.of(dnnl.DNNL_ARG_DST, dstMem, dnnl.DNNL_ARG_DIFF_DST, d,
                    dnnl.DNNL_ARG_DIFF_SRC, out));
            keep.add(new Object[] {fd, fpd, bd, bpd});
            return out;
        }

        private memory.desc any(long[] dims) {
            memory.desc d = new memory.desc(dims, memory.data_type.f32, memory.format_tag.any);
            keep.add(d);
            return d;
        }

        /** A row-major layout of the given dimensions (2 or 4 of them). */
        private memory.desc plainDesc(long[] dims) {
            memory.desc d = new memory.desc(dims, memory.data_type.f32,
                    dims.length == 4 ? memory.format_tag.abcd : memory.format_tag.ab);
            keep.add(d);
            return d;
        }

        private memory.desc plainDesc(long count) {
            memory.desc d = new memory.desc(new long[] {count}, memory.data_type.f32, memory.format_tag.a);
            keep.add(d);
            return d;
        }

        /** A oneDNN view of a DL4J array (row-major over {@code dims}). */
        private memory user(INDArray a, long[] dims) {
            memory.format_tag tag = switch (dims.length) {
                case 1 -> memory.format_tag.a;
                case 2 -> memory.format_tag.ab;
                case 4 -> memory.format_tag.abcd;
                default -> throw new IllegalStateException("rank " + dims.length);
            };
            memory m = new memory(new memory.desc(dims, memory.data_type.f32, tag), eng, at(address(a)));
            keep.add(m);
            return m;
        }

        /**
         * A backward-weights primitive (convolution or inner product) into the backward list: its inputs in the
         * layouts it wants, the weights' gradient reordered into DL4J's gradient array, the bias's written there.
         */
        private void weightGradients(Spec s, primitive p, memory.desc srcD, memory.desc diffD, memory.desc dwD,
                                     memory src, memory diff, long[] wd) {
            memory dW = new memory(dwD, eng);
            exec(bwd, p, Map.of(dnnl.DNNL_ARG_SRC, into(bwd, src, srcD), dnnl.DNNL_ARG_DIFF_DST, into(bwd, diff, diffD),
                    dnnl.DNNL_ARG_DIFF_WEIGHTS, dW, dnnl.DNNL_ARG_DIFF_BIAS, user(s.gb, new long[] {s.out})));
            copy(bwd, dW, user(s.gw, wd));
            keep.add(dW);
        }

        /**
         * A backward-data primitive into the backward list; returns the gradient of the layer's input. The weights are
         * those the forward pass of this step read ({@code weights}, already in oneDNN's layout; reordered again only
         * when the backward primitive wants another).
         */
        private memory dataGradient(primitive p, memory weights, memory.desc weightsD, memory.desc diffD,
                                    memory.desc srcD, memory diff) {
            memory dSrc = new memory(srcD, eng);
            exec(bwd, p, Map.of(dnnl.DNNL_ARG_WEIGHTS, into(bwd, weights, weightsD),
                    dnnl.DNNL_ARG_DIFF_DST, into(bwd, diff, diffD), dnnl.DNNL_ARG_DIFF_SRC, dSrc));
            return dSrc;
        }

        private primitive_attr reluAttr(boolean relu) {
            primitive_attr attr = FloatRuntime.reluAttr(relu, keep);
            keep.add(attr);
            return attr;
        }

        /** {@code cur} in the layout {@code want}: itself, or a buffer a reorder (added to {@code list}) fills. */
        private memory into(List<Runnable> list, memory cur, memory.desc want) {
            if (cur.get_desc().equals(want)) {
                return cur;
            }
            memory m = new memory(want, eng);
            copy(list, cur, m);
            return m;
        }

        private void copy(List<Runnable> list, memory from, memory to) {
            if (from.get_desc().equals(to.get_desc())) {
                long bytes = from.get_desc().get_size();
                list.add(() -> Pointer.memcpy(to.get_data_handle(), from.get_data_handle(), bytes));
                return;
            }
            reorder.primitive_desc pd = new reorder.primitive_desc(from, to);
            exec(list, new reorder(pd), Map.of(dnnl.DNNL_ARG_FROM, from, dnnl.DNNL_ARG_TO, to));
            keep.add(new Object[] {pd, to});
        }

        private void exec(List<Runnable> list, primitive p, Map<Integer, memory> a) {
            IntMemoryMap map = new IntMemoryMap();
            a.forEach(map::put);
            keep.add(new Object[] {p, map});
            keep.addAll(a.values());
            list.add(() -> p.execute(strm, map));
        }

        void forward() {
            fwd.forEach(Runnable::run);
            strm._wait();
        }

        void backward() {
            bwd.forEach(Runnable::run);
            strm._wait();
        }

        float[] read(memory m) {
            strm._wait();
            return FloatRuntime.floats(m);
        }

        void write(memory m, float[] v) {
            strm._wait();
            FloatRuntime.put(m, v);
        }

        /**
         * DL4J's "gradient" of batch norm's running statistics, which its updater leaves as it is and the step then
         * subtracts: (1 - decay)(mean - batch mean), and for the variance the same or, stored as log10 of the standard
         * deviation, log10 of the old over the new standard deviation.
         */
        void runningStatistics() {
            for (int i = 0; i < specs.size(); i++) {
                Spec s = specs.get(i);
                if (s.kind != Kind.BN) {
                    continue;
                }
                float[] bm = read(batchMean[i]);
                float[] bv = read(batchVar[i]);
                float[] mean = Matrices.floats(s.mean);
                float[] var = Matrices.floats(s.var);
                float[] dm = new float[bm.length];
                float[] dv = new float[bm.length];
                double d = s.decay;
                for (int c = 0; c < bm.length; c++) {
                    dm[c] = (float) ((1 - d) * (mean[c] - bm[c]));
                    if (s.logStd) {
                        double vi = Math.pow(10, 2.0 * var[c]);
                        double vi1 = d * vi + (1 - d) * bv[c];
                        dv[c] = (float) (Math.log(vi / vi1) / (2 * Math.log(10)));
                    } else {
                        dv[c] = (float) ((1 - d) * (var[c] - bv[c]));
                    }
                }
                s.gmean.assign(Nd4j.create(dm, s.gmean.shape(), 'c'));
                s.gvar.assign(Nd4j.create(dv, s.gvar.shape(), 'c'));
            }
        }

        void release() {
            keep.forEach(FloatRuntime::closeAll);
            keep.clear();
            fwd.clear();
            bwd.clear();
        }
    }

    /** A memory's dimensions. */
    private static long[] dims(memory m) {
        memory.desc d = m.get_desc();
        long[] out = new long[d.data().ndims()];
        d.dims().get(out);
        return out;
    }

    /** The layer's input must be what its weights take (else the primitives would read past them). */
    private static void checkInput(Spec s, long[] inDims) {
        long per = 1;
        for (int k = 1; k < inDims.length; k++) {
            per *= inDims[k];
        }
        boolean ok = switch (s.kind) {
            case CONV -> inDims.length == 4 && inDims[1] == s.w.size(1);
            case DENSE, OUT -> per == s.w.size(0);
            case BN -> inDims[1] == s.w.length() && (inDims.length == 4 || inDims.length == 2); // w: gamma
            case POOL -> inDims.length == 4;
            default -> true;
        };
        if (!ok) {
            throw new CompressionException("layer " + s.name + " gets input " + java.util.Arrays.toString(
                    java.util.Arrays.copyOfRange(inDims, 1, inDims.length)) + " per example, which its weights "
                    + java.util.Arrays.toString(s.w == null ? new long[0] : s.w.shape()) + " do not take");
        }
    }

    private static long[] weightDims(Spec s, long[] inDims) {
        return new long[] {s.out, inDims[1], s.kh, s.kw};
    }

    private static dnnl.algorithm poolAlgorithm(Spec s) {
        return s.max ? dnnl.algorithm.pooling_max : s.includePad ? dnnl.algorithm.pooling_avg_include_padding
                : dnnl.algorithm.pooling_avg_exclude_padding;
    }

    /** Frees the primitives and buffers now. */
    @Override
    public void close() {
        plans.values().forEach(Plan::release);
        plans.clear();
    }
}
