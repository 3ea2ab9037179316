package org.jvmcompress.engine;

import org.jvmcompress.core.runtime.Backend;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.lstm_backward;
import org.bytedeco.dnnl.lstm_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.recurrent.BidirectionalLayer;
import org.deeplearning4j.nn.layers.recurrent.FwdPassReturn;
import org.deeplearning4j.nn.layers.recurrent.LSTM;
import org.deeplearning4j.nn.layers.recurrent.LSTMHelper;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training of DL4J's {@code LSTM} layers (alone or in a {@code Bidirectional} wrapper) on oneDNN's LSTM primitives:
 * the layer's forward pass for training and its backward pass (gradients of the input, the input and recurrent
 * weights and the bias) each run as one primitive over the whole sequence, where DL4J loops over the time steps in
 * Java with several ND4J ops per step (the reference BiLSTM teacher trained at about 1/20 of PyTorch's speed).
 *
 * <p>It plugs in where DL4J plugs cuDNN in on GPUs, as the layer's {@link LSTMHelper}; the network and its saved
 * file stay plain DL4J. DL4J computes a layer's forward pass twice in a training step (feed-forward, then again
 * for backprop); the second is served from the first when the input is the same array and the weights have not
 * changed. Supported: sigmoid gates, tanh activation, no peepholes, no mask, zero initial state, standard
 * backprop; anything else is handed back to DL4J's own implementation (the helper returns null).
 * {@link #install} gives every such layer of a network the helper; the system property {@value #PROPERTY}
 * {@code =dl4j} turns it off.
 */
public final class OneDnnLstmHelper implements LSTMHelper {
    /** System property: {@code auto} (default) trains LSTMs on oneDNN where it can, {@code dl4j} never. */
    public static final String PROPERTY = "compression.lstm";

    private static engine eng;

    private final stream strm;
    private final Map<String, Plan> plans = new HashMap<>();
    /** The last training forward pass, for the backward pass that follows it. */
    private Plan last;
    private INDArray lastInput;
    private double lastFingerprint;
    /** Whether this layer runs right to left (the backward half of a Bidirectional wrapper that does not reverse). */
    private boolean reversed;
    /** Forward passes run (a training step's second one, served from its first, does not count) and backward ones. */
    int forwardRuns;
    int backwardRuns;

    private OneDnnLstmHelper() {
        strm = new stream(engine());
    }

    private static synchronized engine engine() {
        if (eng == null) {
            eng = new engine(engine.kind.cpu, 0);
        }
        return eng;
    }

    /**
     * Gives every LSTM layer of the network (also inside Bidirectional wrappers) this helper, when oneDNN loads,
     * the network trains with standard backprop and {@value #PROPERTY} is not {@code dl4j}. Returns how many
     * layers got it.
     */
    public static int install(ComputationGraph g) {
        if (!Backend.oneDnnPath(PROPERTY) || !FloatRuntime.available()
                || g.getConfiguration().getBackpropType() != BackpropType.Standard) {
            return 0;
        }
        List<OneDnnLstmHelper> out = new ArrayList<>();
        for (Layer l : g.getLayers()) {
            visit(l, true, out);
        }
        return out.size();
    }

    /**
     * The helper of an LSTM layer (null when it has none of these), for a Bidirectional wrapper that hands its
     * backward half the sequence in order and sets it to run right to left ({@link #reversed(boolean)}).
     */
    public static OneDnnLstmHelper of(Layer lstm) {
        if (!(lstm instanceof LSTM)) {
            return null;
        }
        try {
            Field f = LSTM.class.getDeclaredField("helper");
            f.setAccessible(true);
            return f.get(lstm) instanceof OneDnnLstmHelper h ? h : null;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("DL4J's LSTM layers changed: " + e, e);
        }
    }

    /** Runs the layer right to left (the output at step t from steps t..T-1) when true. */
    public void reversed(boolean r) {
        reversed = r;
    }

    /** The helpers the network's LSTM layers have (after {@link #install}). */
    static List<OneDnnLstmHelper> of(ComputationGraph g) {
        List<OneDnnLstmHelper> out = new ArrayList<>();
        for (Layer l : g.getLayers()) {
            visit(l, false, out);
        }
        return out;
    }

    private static void visit(Layer l, boolean install, List<OneDnnLstmHelper> out) {
        try {
            if (l instanceof LSTM) {
                Field f = LSTM.class.getDeclaredField("helper");
                f.setAccessible(true);
                if (install && !(f.get(l) instanceof OneDnnLstmHelper)) {
                    f.set(l, new OneDnnLstmHelper());
                }
                if (f.get(l) instanceof OneDnnLstmHelper h) {
                    out.add(h);
                }
            } else if (l instanceof BidirectionalLayer) {
                for (String side : new String[] {"fwd", "bwd"}) {
                    Field f = BidirectionalLayer.class.getDeclaredField(side);
                    f.setAccessible(true);
                    visit((Layer) f.get(l), install, out);
                }
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("DL4J's LSTM layers changed: " + e, e);
        }
    }

    @Override
    public boolean checkSupported(IActivation gateActivationFn, IActivation activationFn, boolean peepholes) {
        return gateActivationFn instanceof ActivationSigmoid && activationFn instanceof ActivationTanH && !peepholes;
    }

    @Override
    public boolean checkSupported() {
        return true;
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Map.of();
    }

    @Override
    public FwdPassReturn activate(Layer layer, NeuralNetConfiguration conf, IActivation gateActivationFn,
                                  INDArray input, INDArray recurrentWeights, INDArray inputWeights, INDArray biases,
                                  boolean training, INDArray prevOutputActivations, INDArray prevMemCellState,
                                  boolean forBackprop, boolean forwards, String inputWeightKey, INDArray maskArray,
                                  boolean hasPeepholeConnections, LayerWorkspaceMgr workspaceMgr) {
        IActivation act = ((org.deeplearning4j.nn.conf.layers.BaseLayer) conf.getLayer()).getActivationFn();
        if (!checkSupported(gateActivationFn, act, hasPeepholeConnections) || maskArray != null || !forwards
                || input.rank() != 3 || input.dataType() != DataType.FLOAT
                || prevOutputActivations != null && prevOutputActivations.amaxNumber().doubleValue() != 0
                || prevMemCellState != null && prevMemCellState.amaxNumber().doubleValue() != 0) {
            return null;
        }
        int n = (int) input.size(0);
        int in = (int) input.size(1);
        int t = (int) input.size(2);
        int h = (int) recurrentWeights.size(0);
        double fingerprint = fingerprint(inputWeights, recurrentWeights, biases);
        Plan p;
        if (forBackprop && last != null && lastInput == input && lastFingerprint == fingerprint
                && last.reversed == reversed) {
            p = last; // the feed-forward of this training step already ran it
        } else {
            boolean r = reversed;
            p = plans.computeIfAbsent(n + "," + in + "," + t + "," + h + "," + r, k -> new Plan(n, in, t, h, r));
            p.exchange(input, p.src, true);
            p.weights(inputWeights, recurrentWeights, biases);
            p.forward(training || forBackprop);
            forwardRuns++;
            if (training || forBackprop) {
                last = p;
                lastInput = input;
                lastFingerprint = fingerprint;
            }
        }
        FwdPassReturn r = new FwdPassReturn();
        if (forBackprop) {
            return r; // DL4J reads nothing of it before calling backpropGradient, which has what it needs
        }
        r.fwdPassOutput = workspaceMgr.create(ArrayType.ACTIVATIONS, DataType.FLOAT, new long[] {n, h, t}, 'f');
        p.exchange(r.fwdPassOutput, p.dst, false);
        if (!training) { // the states after the last step, for rnnTimeStep
            r.lastAct = p.state(p.lastH);
            r.lastMemCell = p.state(p.lastC);
        }
        return r;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(NeuralNetConfiguration conf, IActivation gateActivationFn,
                                                     INDArray input, INDArray recurrentWeights,
                                                     INDArray inputWeights, INDArray epsilon, boolean truncatedBPTT,
                                                     int tbpttBackwardLength, FwdPassReturn fwdPass, boolean forwards,
                                                     String inputWeightKey, String recurrentWeightKey,
                                                     String biasWeightKey, Map<String, INDArray> gradientViews,
                                                     INDArray maskArray, boolean hasPeepholeConnections,
                                                     LayerWorkspaceMgr workspaceMgr) {
        if (last == null || lastInput != input || truncatedBPTT || maskArray != null || !forwards
                || epsilon.rank() != 3) {
            return null;
        }
        Plan p = last;
        last = null;
        lastInput = null;
        p.exchange(epsilon, p.diffDst, true);
        p.backward();
        backwardRuns++;
        INDArray gw = gradientViews.get(inputWeightKey);
        INDArray grw = gradientViews.get(recurrentWeightKey);
        INDArray gb = gradientViews.get(biasWeightKey);
        gw.assign(Nd4j.create(FloatRuntime.fromGates(FloatRuntime.floats(p.diffWLayerUser), p.in, p.h), gw.shape(),
                'c'));
        grw.assign(Nd4j.create(FloatRuntime.fromGates(FloatRuntime.floats(p.diffWIterUser), p.h, p.h), grw.shape(),
                'c'));
        gb.assign(Nd4j.create(FloatRuntime.fromGates(FloatRuntime.floats(p.diffBias), 1, p.h), gb.shape(), 'c'));
        Gradient g = new DefaultGradient();
        g.gradientForVariable().put(inputWeightKey, gw);
        g.gradientForVariable().put(recurrentWeightKey, grw);
        g.gradientForVariable().put(biasWeightKey, gb);
        INDArray eps = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, new long[] {p.n, p.in, p.t}, 'f');
        p.exchange(eps, p.diffSrc, false);
        return new Pair<>(g, eps);
    }

    /** Changes whenever an optimiser step changes the weights (their sums and a few single values). */
    private static double fingerprint(INDArray w, INDArray rw, INDArray b) {
        return w.sumNumber().doubleValue() * 3 + rw.sumNumber().doubleValue() * 7 + b.sumNumber().doubleValue() * 11
                + w.getDouble(0) * 13 + rw.getDouble(rw.length() - 1) * 17;
    }

    /** The primitives and buffers for one shape (batch, input width, length, hidden size). */
    private final class Plan {
        final int n;
        final int in;
        final int t;
        final int h;
        final memory src;
        final memory dst;
        final memory diffSrc;
        final memory diffDst;
        final memory wLayerUser;
        final memory wIterUser;
        final memory bias;
        final memory diffWLayerUser;
        final memory diffWIterUser;
        final memory diffBias;
        final memory workspace;
        /** Zeros: the initial hidden and cell states; and the (unused) gradients of them. */
        final memory zeroState;
        final memory diffState;
        final memory diffStateC;
        final lstm_forward fwdTraining;
        final lstm_forward fwdInference;
        final memory wLayerF;
        final memory wIterF;
        final memory wLayerI;
        final memory wIterI;
        final memory wLayerB;
        final memory wIterB;
        final memory diffWLayer;
        final memory diffWIter;
        final lstm_backward bwd;
        final org.bytedeco.dnnl.IntMemoryMap fwdTrainingArgs;
        final org.bytedeco.dnnl.IntMemoryMap fwdInferenceArgs;
        final org.bytedeco.dnnl.IntMemoryMap bwdArgs;
        final Runnable[] toForward;
        final Runnable[] toInference;
        final Runnable[] toBackward;
        final Runnable[] fromBackward;
        final Object[] keep;
        final Map<String, Object[]> exchanges = new HashMap<>();
        final boolean reversed;
        /** The hidden and cell states after the last step of an inference pass. */
        final memory lastH;
        final memory lastC;

        Plan(int n, int in, int t, int h, boolean reversed) {
            this.reversed = reversed;
            this.n = n;
            this.in = in;
            this.t = t;
            this.h = h;
            engine e = engine();
            memory.desc none = new memory.desc();
            memory.desc srcD = new memory.desc(new long[] {t, n, in}, memory.data_type.f32, memory.format_tag.tnc);
            memory.desc dstD = new memory.desc(new long[] {t, n, h}, memory.data_type.f32, memory.format_tag.tnc);
            long[] wl = {1, 1, in, 4, h};
            long[] wi = {1, 1, h, 4, h};
            long[] bd = {1, 1, 4, h};
            memory.desc wlAny = new memory.desc(wl, memory.data_type.f32, memory.format_tag.any);
            memory.desc wiAny = new memory.desc(wi, memory.data_type.f32, memory.format_tag.any);
            memory.desc biasD = new memory.desc(bd, memory.data_type.f32, memory.format_tag.ldgo);
            memory.desc wlPlain = new memory.desc(wl, memory.data_type.f32, memory.format_tag.ldigo);
            memory.desc wiPlain = new memory.desc(wi, memory.data_type.f32, memory.format_tag.ldigo);
            var dir = reversed ? dnnl.rnn_direction.unidirectional_right2left
                    : dnnl.rnn_direction.unidirectional_left2right;
            // The initial state is given as zeros, not left out: left out, oneDNN 2.5's training forward pass does
            // not write it into the workspace, and the backward pass read garbage as h(-1) into the recurrent
            // weights' gradient (OneDnnLstmHelperTest compares every gradient with DL4J's).
            memory.desc iterD = new memory.desc(new long[] {1, 1, n, h}, memory.data_type.f32, memory.format_tag.ldnc);
            lstm_forward.desc fd = new lstm_forward.desc(dnnl.prop_kind.forward_training, dir, srcD, iterD, iterD,
                    wlAny, wiAny, biasD, dstD, none, none);
            lstm_forward.primitive_desc fpd = new lstm_forward.primitive_desc(fd, e);
            lstm_forward.desc id = new lstm_forward.desc(dnnl.prop_kind.forward_inference, dir, srcD, none, none,
                    wlAny, wiAny, biasD, dstD, iterD, iterD);
            lstm_forward.primitive_desc ipd = new lstm_forward.primitive_desc(id, e);
            lstm_backward.desc bd2 = new lstm_backward.desc(dnnl.prop_kind.backward, dir, srcD, iterD, iterD, wlAny,
                    wiAny, biasD, dstD, none, none, srcD, iterD, iterD, wlPlain, wiPlain, biasD, dstD, none, none);
            lstm_backward.primitive_desc bpd = new lstm_backward.primitive_desc(bd2, e, fpd);
            src = new memory(srcD, e);
            dst = new memory(dstD, e);
            diffSrc = new memory(srcD, e);
            diffDst = new memory(dstD, e);
            wLayerUser = new memory(wlPlain, e);
            wIterUser = new memory(wiPlain, e);
            bias = new memory(biasD, e);
            diffWLayerUser = new memory(wlPlain, e);
            diffWIterUser = new memory(wiPlain, e);
            diffBias = new memory(biasD, e);
            workspace = new memory(fpd.workspace_desc(), e);
            zeroState = new memory(iterD, e);
            lastH = new memory(iterD, e);
            lastC = new memory(iterD, e);
            zero(zeroState);
            diffState = new memory(iterD, e);
            diffStateC = new memory(iterD, e);
            wLayerF = new memory(fpd.weights_layer_desc(), e);
            wIterF = new memory(fpd.weights_iter_desc(), e);
            wLayerI = new memory(ipd.weights_layer_desc(), e); // inference may want the weights in another layout
            wIterI = new memory(ipd.weights_iter_desc(), e);
            wLayerB = new memory(bpd.weights_layer_desc(), e);
            wIterB = new memory(bpd.weights_iter_desc(), e);
            diffWLayer = new memory(bpd.diff_weights_layer_desc(), e);
            diffWIter = new memory(bpd.diff_weights_iter_desc(), e);
            fwdTraining = new lstm_forward(fpd);
            fwdInference = new lstm_forward(ipd);
            bwd = new lstm_backward(bpd);
            Map<Integer, memory> a = new HashMap<>(Map.of(dnnl.DNNL_ARG_SRC_LAYER, src, dnnl.DNNL_ARG_BIAS, bias,
                    dnnl.DNNL_ARG_DST_LAYER, dst));
            Map<Integer, memory> inference = new HashMap<>(a);
            inference.putAll(Map.of(dnnl.DNNL_ARG_WEIGHTS_LAYER, wLayerI, dnnl.DNNL_ARG_WEIGHTS_ITER, wIterI,
                    dnnl.DNNL_ARG_DST_ITER, lastH, dnnl.DNNL_ARG_DST_ITER_C, lastC));
            fwdInferenceArgs = args(inference);
            a.putAll(Map.of(dnnl.DNNL_ARG_WORKSPACE, workspace, dnnl.DNNL_ARG_SRC_ITER, zeroState,
                    dnnl.DNNL_ARG_SRC_ITER_C, zeroState)); // what training's forward and backward passes share
            Map<Integer, memory> backward = new HashMap<>(a);
            a.putAll(Map.of(dnnl.DNNL_ARG_WEIGHTS_LAYER, wLayerF, dnnl.DNNL_ARG_WEIGHTS_ITER, wIterF));
            fwdTrainingArgs = args(a);
            backward.putAll(Map.of(dnnl.DNNL_ARG_WEIGHTS_LAYER, wLayerB, dnnl.DNNL_ARG_WEIGHTS_ITER, wIterB,
                    dnnl.DNNL_ARG_DIFF_DST_LAYER, diffDst, dnnl.DNNL_ARG_DIFF_SRC_LAYER, diffSrc,
                    dnnl.DNNL_ARG_DIFF_WEIGHTS_LAYER, diffWLayer, dnnl.DNNL_ARG_DIFF_WEIGHTS_ITER, diffWIter,
                    dnnl.DNNL_ARG_DIFF_BIAS, diffBias, dnnl.DNNL_ARG_DIFF_SRC_ITER, diffState,
                    dnnl.DNNL_ARG_DIFF_SRC_ITER_C, diffStateC));
            bwdArgs = args(backward);
            toForward = new Runnable[] {move(wLayerUser, wLayerF), move(wIterUser, wIterF)};
            toInference = new Runnable[] {move(wLayerUser, wLayerI), move(wIterUser, wIterI)};
            toBackward = new Runnable[] {move(wLayerUser, wLayerB), move(wIterUser, wIterB)};
            fromBackward = new Runnable[] {move(diffWLayer, diffWLayerUser), move(diffWIter, diffWIterUser)};
            keep = new Object[] {iterD, wlPlain, wiPlain, none, srcD, dstD, wlAny, wiAny, biasD, fd, fpd, id, ipd, bd2, bpd};
        }

        /**
         * Moves an ND4J array [n, c, t] (any strides, as DL4J hands them over) into a tnc buffer of this plan, or
         * (into = false) the buffer into the array: one oneDNN reorder, reading or writing the array in place. The
         * reorders are kept per buffer, direction and strides.
         */
        void exchange(INDArray array, memory tnc, boolean into) {
            // a view (e.g. one half of a Bidirectional layer's gradient) is read in place when its buffer starts at it
            INDArray nct = array.offset() == array.data().offset() ? array : array.dup('f');
            if (nct != array && !into) {
                throw new IllegalStateException("an output view with an offset");
            }
            long[] st = nct.stride();
            String key = System.identityHashCode(tnc) + (into ? ">" : "<") + st[0] + "," + st[1] + "," + st[2];
            Object[] x = exchanges.computeIfAbsent(key, k -> {
                memory.desc d = new memory.desc(new long[] {nct.size(2), nct.size(0), nct.size(1)},
                        memory.data_type.f32, new long[] {st[2], st[0], st[1]});
                memory user = new memory(d, engine(), new FloatPointer(1));
                reorder r = into ? new reorder(user, tnc) : new reorder(tnc, user);
                return new Object[] {user, r, args(Map.of(dnnl.DNNL_ARG_FROM, into ? user : tnc,
                        dnnl.DNNL_ARG_TO, into ? tnc : user)), d};
            });
            ((memory) x[0]).set_data_handle(NativeTrainer.at(NativeTrainer.address(nct)));
            execute((reorder) x[1], (org.bytedeco.dnnl.IntMemoryMap) x[2]);
        }

        /** A [1, 1, n, h] state buffer as a new [n, h] array. */
        INDArray state(memory m) {
            INDArray a = Nd4j.createUninitializedDetached(DataType.FLOAT, n, h);
            Pointer.memcpy(new FloatPointer(a.data().addressPointer()).position(0),
                    new FloatPointer(m.get_data_handle()).position(0), a.length() * 4);
            return a;
        }

        void weights(INDArray w, INDArray rw, INDArray b) {
            FloatRuntime.put(wLayerUser, FloatRuntime.toGates(org.jvmcompress.core.util.Matrices.floats(w), in, h));
            FloatRuntime.put(wIterUser, FloatRuntime.toGates(org.jvmcompress.core.util.Matrices.floats(rw), h, h));
            FloatRuntime.put(bias, FloatRuntime.toGates(org.jvmcompress.core.util.Matrices.floats(b), 1, h));
        }

        void forward(boolean training) {
            Runnable[] to = training ? toForward : toInference;
            to[0].run();
            to[1].run();
            execute(training ? fwdTraining : fwdInference, training ? fwdTrainingArgs : fwdInferenceArgs);
        }

        void backward() {
            toBackward[0].run();
            toBackward[1].run();
            zero(diffWLayer);
            zero(diffWIter);
            zero(diffBias);
            execute(bwd, bwdArgs);
            fromBackward[0].run();
            fromBackward[1].run();
        }

        private void zero(memory m) {
            Pointer.memset(m.get_data_handle(), 0, m.get_desc().get_size());
        }

        /** Moves a into b's layout: a reorder primitive, or one copy when the layouts agree. */
        private Runnable move(memory a, memory b) {
            if (a.get_desc().equals(b.get_desc())) {
                return () -> Pointer.memcpy(b.get_data_handle(), a.get_data_handle(), a.get_desc().get_size());
            }
            reorder r = new reorder(a, b);
            org.bytedeco.dnnl.IntMemoryMap m = args(Map.of(dnnl.DNNL_ARG_FROM, a, dnnl.DNNL_ARG_TO, b));
            return () -> execute(r, m);
        }

        private org.bytedeco.dnnl.IntMemoryMap args(Map<Integer, memory> args) {
            org.bytedeco.dnnl.IntMemoryMap m = new org.bytedeco.dnnl.IntMemoryMap();
            args.forEach(m::put);
            return m;
        }

        private void execute(primitive p, org.bytedeco.dnnl.IntMemoryMap args) {
            p.execute(strm, args);
            strm._wait();
        }
    }
}
