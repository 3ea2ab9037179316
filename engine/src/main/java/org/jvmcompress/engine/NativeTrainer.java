package org.jvmcompress.engine;

import org.jvmcompress.core.runtime.Backend;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.util.Matrices;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * A training step of a DL4J network computed outside DL4J ({@link OneDnnTrainer} for convolutional chains,
 * {@link BagTrainer} for embedding bags), with DL4J still in charge of everything but the arithmetic: the forward and
 * backward passes read the weights where DL4J keeps them and write the gradients (summed over the batch, DL4J's
 * convention) into DL4J's gradient views; the loss's gradient comes from the output layer's own {@link ILossFunction};
 * DL4J's updater then turns the gradients into the update (Adam and its state, learning-rate schedules, weight decay,
 * gradient normalisation, the division by the batch size), and the parameters step as {@code ComputationGraph.fit}
 * steps them. The network stays a plain DL4J network.
 */
public abstract class NativeTrainer implements org.jvmcompress.core.runtime.TrainingRuntime {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NativeTrainer.class);

    /** System property choosing the training path: {@code auto} (these trainers where they apply) or {@code dl4j}. */
    public static final String PROPERTY = "compression.trainer";

    /** Weak, so that a cache of trainers keyed by network lets the networks go. */
    private final WeakReference<ComputationGraph> graph;
    private final INDArray params;
    private final INDArray gradients;
    /** The per-parameter gradient views, keyed "layer_param" as DL4J's updater splits them. */
    private final Map<String, INDArray> gradientViews;
    private final IActivation outputActivation;
    private static final IActivation IDENTITY = new org.nd4j.linalg.activations.impl.ActivationIdentity();

    protected NativeTrainer(ComputationGraph g, Map<String, INDArray> gradientViews, IActivation outputActivation) {
        this.graph = new WeakReference<>(g);
        this.params = g.params();
        this.gradients = g.getFlattenedGradients();
        this.gradientViews = gradientViews;
        this.outputActivation = outputActivation;
    }

    /**
     * The trainer for a network, or null when {@value #PROPERTY} is {@code dl4j} or the network has a layer none of
     * these trainers runs (DL4J's {@code fit} then trains it).
     */
    public static NativeTrainer forGraph(ComputationGraph g) {
        if (!Backend.oneDnnPath(PROPERTY)) {
            return null;
        }
        try {
            return BagTrainer.create(g);
        } catch (CompressionException bag) {
            if (!FloatRuntime.available()) {
                return null;
            }
            try {
                return OneDnnTrainer.create(g);
            } catch (CompressionException e) {
                LOG.debug("training with DL4J: {}; {}", bag.getMessage(), e.getMessage());
                return null;
            }
        }
    }

    /** The output layer's pre-activations [n, k] (row-major) for a batch's features, keeping what backward needs. */
    protected abstract float[] forward(INDArray features);

    /** Writes every gradient view from the loss's gradient with respect to the pre-activations [n, k]. */
    protected abstract void backward(float[] dPre);

    /**
     * An extra output of the network: a loss layer (identity activation, no parameters) on an inner layer's
     * activations, flattened per example, as feature distillation adds them. Its loss adds to the step's loss and its
     * gradient to that of the inner layer's activations, as in DL4J's backward pass of a layer with two consumers.
     *
     * @param output the output's position in the network's outputs (and in a batch's labels)
     */
    public record Tap(String name, int output, ILossFunction loss) {}

    /** The network's extra loss outputs (none unless the trainer runs them). */
    protected List<Tap> taps() {
        return List.of();
    }

    /** Tap k's activations [n, width] (row-major) from the last forward pass. */
    protected float[] tapActivations(int k) {
        throw new IllegalStateException("no taps");
    }

    /** The gradients [n, width] of the taps' activations, for the next backward pass (in the order of {@link #taps}). */
    protected void tapGradients(float[][] d) {
        throw new IllegalStateException("no taps");
    }

    /**
     * One optimisation step on a batch, as {@code ComputationGraph.fit(batch)} takes it; returns the batch's mean
     * loss (without regularisation terms).
     */
    public final synchronized double fit(MultiDataSet ds) {
        ComputationGraph g = graph.get();
        if (g == null) {
            throw new IllegalStateException("the network is gone");
        }
        if (address(g.params()) != address(params) || address(g.getFlattenedGradients()) != address(gradients)) {
            throw new IllegalStateException("the network's parameter arrays were replaced; make a new trainer");
        }
        String outName = g.getConfiguration().getNetworkOutputs().get(0);
        ILossFunction loss = ((OutputLayer) g.getLayer(outName).conf().getLayer()).getLossFn();
        INDArray x = ds.getFeatures(0);
        long n = x.size(0);
        float[] logits = forward(x);
        int k = logits.length / (int) n;
        INDArray pre = Nd4j.create(logits, new long[] {n, k}, 'c');
        INDArray labels = ds.getLabels(0);
        INDArray mask = ds.getLabelsMaskArray(0);
        double score = loss.computeScore(labels, pre, outputActivation, mask, true);
        INDArray dPre = loss.computeGradient(labels, pre, outputActivation, mask);
        List<Tap> taps = taps();
        if (!taps.isEmpty()) {
            float[][] d = new float[taps.size()][];
            for (int i = 0; i < d.length; i++) {
                Tap tap = taps.get(i);
                float[] a = tapActivations(i);
                INDArray act = Nd4j.create(a, new long[] {n, a.length / n}, 'c');
                INDArray tapLabels = ds.getLabels(tap.output());
                INDArray tapMask = ds.getLabelsMaskArray(tap.output());
                score += tap.loss().computeScore(tapLabels, act, IDENTITY, tapMask, true);
                d[i] = Matrices.floats(tap.loss().computeGradient(tapLabels, act, IDENTITY, tapMask));
            }
            tapGradients(d);
        }
        backward(Matrices.floats(dPre));
        int iteration = g.getConfiguration().getIterationCount();
        int epoch = g.getConfiguration().getEpochCount();
        if (!fusedStep(g, (int) n, iteration, epoch)) {
            DefaultGradient grad = new DefaultGradient(gradients);
            gradientViews.forEach(grad::setGradientFor);
            g.getUpdater().update(grad, iteration, epoch, (int) n, LayerWorkspaceMgr.noWorkspaces());
            params.subi(gradients.reshape(params.shape()));
        }
        g.getConfiguration().setIterationCount(iteration + 1);
        g.setScore(score);
        return score;
    }

    /** Steps whose update took the fused path. */
    long fusedUpdates;
    /** The updater whose blocks {@link #fused} holds (null: not looked at yet). */
    private ComputationGraphUpdater fusedFor;
    /** The parameter range of each updater block, or null when DL4J's updater has to run. */
    private List<UpdaterBlock> fused;

    /**
     * The update as one pass per updater block ({@link FusedAdam#stepInto}) where DL4J's updater would do nothing
     * else: every block Adam (fused), no gradient normalisation, no regularisation, every gradient divided by the
     * batch size. The same arithmetic as DL4J's updater followed by the subtraction, over the arrays once instead of
     * three times (the division, Adam, the subtraction): the student's arrays (nlp-student: 640k parameters, 10 MB
     * with Adam's state) come from memory after the teacher's forward pass has been through the caches.
     */
    private boolean fusedStep(ComputationGraph g, int n, int iteration, int epoch) {
        ComputationGraphUpdater u = g.getUpdater();
        if (u != fusedFor) {
            fusedFor = u;
            fused = fusable(g);
        }
        if (fused == null) {
            return false;
        }
        fusedUpdates++;
        INDArray flatParams = params.reshape(params.length());
        for (UpdaterBlock b : fused) {
            INDArray p = flatParams.get(NDArrayIndex.interval(b.getParamOffsetStart(), b.getParamOffsetEnd()));
            INDArray gv = b.getGradientView();
            if (!((FusedAdam) b.getGradientUpdater()).stepInto(gv.reshape(gv.length()), p, n, iteration, epoch)) {
                throw new IllegalStateException("fused update: arrays not plain for block at " + b.getParamOffsetStart());
            }
        }
        return true;
    }

    private static List<UpdaterBlock> fusable(ComputationGraph g) {
        ComputationGraphUpdater cu = g.getUpdater();
        if (!g.conf().isMiniBatch() || cu == null) {
            return null;
        }
        List<UpdaterBlock> blocks = new ArrayList<>();
        for (UpdaterBlock b : cu.getUpdaterBlocks()) {
            if (!(b.getGradientUpdater() instanceof FusedAdam) || b.isPretrainUpdaterBlock()
                    || b.getGradientView() == null) {
                return null;
            }
            for (UpdaterBlock.ParamState ps : b.getLayersAndVariablesInBlock()) {
                org.deeplearning4j.nn.api.TrainingConfig c = ps.getLayer().getConfig();
                List<?> reg = c.getRegularizationByParam(ps.getParamName());
                if (c.getGradientNormalization() != null && c.getGradientNormalization() != GradientNormalization.None
                        || reg != null && !reg.isEmpty() || !ps.getLayer().updaterDivideByMinibatch(ps.getParamName())) {
                    return null;
                }
            }
            blocks.add(b);
        }
        return blocks;
    }

    @Override
    public void close() {}

    /**
     * The gradient views of a layer's parameters (by parameter name): the same offsets in the layer's gradient array
     * as in its parameter array; each is also put into {@code all} under "layer_param".
     */
    static Map<String, INDArray> gradientsOf(org.deeplearning4j.nn.api.Layer running, String name,
                                             Map<String, INDArray> all) {
        Map<String, INDArray> p = running.paramTable();
        Map<String, INDArray> byName = new HashMap<>();
        if (p.isEmpty()) {
            return byName;
        }
        INDArray flatParams = running.params();
        INDArray flatGrads = running.getGradientsViewArray();
        if (flatParams == null || flatGrads == null || flatParams.length() != flatGrads.length()) {
            throw unsupported(name, "no gradient view");
        }
        flatGrads = flatGrads.reshape(flatGrads.length());
        long base = address(flatParams);
        for (Map.Entry<String, INDArray> e : p.entrySet()) {
            INDArray param = e.getValue();
            long off = (address(param) - base) / 4;
            if (off < 0 || off + param.length() > flatParams.length()) {
                throw unsupported(name, "parameter " + e.getKey() + " outside the layer's parameter array");
            }
            INDArray gv = flatGrads.get(NDArrayIndex.interval(off, off + param.length()))
                    .reshape(param.ordering(), param.shape());
            byName.put(e.getKey(), gv);
            all.put(name + "_" + e.getKey(), gv);
        }
        return byName;
    }

    /** A new map for {@link #gradientsOf}, in layer order. */
    static Map<String, INDArray> views() {
        return new LinkedHashMap<>();
    }

    /** The native address of an array's first element (its own offset included). */
    public static long address(INDArray a) {
        if (a.offset() != a.data().offset()) {
            throw new CompressionException("native trainer: an array view with an unexpected offset");
        }
        Pointer p = a.data().addressPointer();
        return p.address() + p.position() * p.sizeof();
    }

    /**
     * The array itself when it is float, row-major and contiguous from its first element (what a oneDNN memory
     * object can point at), else such a copy of it.
     */
    public static INDArray contiguous(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.ordering() == 'c' && a.elementWiseStride() == 1
                && a.offset() == a.data().offset() ? a : a.castTo(DataType.FLOAT).dup('c');
    }

    /** A pointer to a native address. */
    public static Pointer at(long where) {
        return new Pointer() {
            {
                address = where;
            }
        };
    }

    /** The array itself when it is a contiguous float array in the given order, else an error naming the layer. */
    static INDArray plain(INDArray a, char order, String name) {
        if (a.dataType() != DataType.FLOAT || a.ordering() != order && a.rank() > 1 && !a.isVector()
                || a.elementWiseStride() != 1) {
            throw unsupported(name, "parameters that are not contiguous float arrays in DL4J's usual order");
        }
        return a;
    }

    static CompressionException unsupported(String layer, String why) {
        return new CompressionException("native trainer: layer " + layer + ": " + why);
    }
}
