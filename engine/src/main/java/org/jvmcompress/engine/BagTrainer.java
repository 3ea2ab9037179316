package org.jvmcompress.engine;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.util.Matrices;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Training steps of an embedding bag in Java ({@link NativeTrainer}): an embedding without bias, the mean over time,
 * dense layers (ReLU or identity) and a softmax output layer — nlp-student and the search's mean encoders. DL4J's step
 * for this network is mostly array management around a few small products (the embedding's rows gathered into a
 * [batch x length, dim] array, pooled, scattered back); here the forward pass sums each example's rows straight from
 * DL4J's table and the backward pass adds each token's share of the gradient into the table's gradient, split across
 * the cores by embedding column. DL4J's updater makes the step as for every network (Adam over the whole table, as
 * DL4J and PyTorch do by default). Checked against DL4J's own steps in {@code OneDnnTrainerTest}.
 */
public final class BagTrainer extends NativeTrainer {
    /** A dense layer (the output layer last): weights [in, out] column-major as DL4J keeps them. */
    private record Dense(int in, int out, boolean relu, INDArray w, INDArray b, INDArray gw, INDArray gb) {}

    private final int vocab;
    private final int dim;
    /** The sequence length the embedding takes (0: any). */
    private final int length;
    /** The batch's sequence length. */
    private int steps;
    private final INDArray table;
    private final INDArray tableGrad;
    /** DL4J's table is [vocab, dim]; column-major unless this says otherwise. */
    private final boolean rowMajor;
    private final List<Dense> dense;
    // the batch in progress
    private int n;
    private int[] tokens;
    /** Each dense layer's input [n, in] (row-major), the pooled embedding first, and its weights as read. */
    private float[][] inputs;
    private float[][] weights;
    private float[] tableGradBuffer;

    private BagTrainer(ComputationGraph g, Map<String, INDArray> views, IActivation outAct, int vocab, int dim,
                       int length, INDArray table, INDArray tableGrad, List<Dense> dense) {
        super(g, views, outAct);
        this.vocab = vocab;
        this.dim = dim;
        this.length = length;
        this.table = table;
        this.tableGrad = tableGrad;
        this.rowMajor = table.ordering() == 'c';
        this.dense = dense;
    }

    /** The trainer for a network; a {@link CompressionException} names the layer it does not run. */
    public static BagTrainer create(ComputationGraph g) {
        Lowering.Lowered lw = Lowering.lower(g.getConfiguration());
        if (lw.inputs().size() != 1 || lw.outputs().size() != 1) {
            throw new CompressionException("bag trainer: one input and one output needed");
        }
        List<Lowering.Node> nodes = lw.nodes();
        if (nodes.size() < 3) {
            throw new CompressionException("bag trainer: an embedding, pooling and an output layer needed");
        }
        if (g.getFlattenedGradients() == null) {
            g.initGradientsView();
        }
        Map<String, INDArray> views = views();
        String prev = lw.inputs().get(0);
        int vocab = 0;
        int dim = 0;
        int length = 0;
        INDArray table = null;
        INDArray tableGrad = null;
        IActivation outAct = null;
        List<Dense> dense = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Lowering.Node node = nodes.get(i);
            String name = node.name();
            List<String> ins = node.inputs();
            if (ins.size() != 1 || !ins.get(0).equals(prev)) {
                throw unsupported(name, "not a chain of layers");
            }
            prev = name;
            if (node instanceof Lowering.Unsupported u) {
                throw unsupported(name, u.why());
            }
            if (node instanceof Lowering.Dense d && d.flattens()) {
                throw unsupported(name, "a vertex other than a plain layer");
            }
            if (lw.trainingOnly().containsKey(name) || node instanceof Lowering.Dense d && d.retain() < 1) {
                throw unsupported(name, "dropout");
            }
            org.deeplearning4j.nn.api.Layer running = g.getLayer(name);
            Map<String, INDArray> p = running.paramTable();
            Map<String, INDArray> grads = gradientsOf(running, name, views);
            if (i == 0) {
                if (!(node instanceof Lowering.Embed e) || e.hasBias()) {
                    throw unsupported(name, "not an embedding without bias and activation");
                }
                vocab = e.vocab();
                dim = e.dim();
                length = e.length(); // 0: any (DL4J takes the input's)
                table = plain(p.get("W"), p.get("W").ordering(), name);
                tableGrad = grads.get("W");
            } else if (i == 1) {
                if (!(node instanceof Lowering.GlobalPool gp) || gp.max()) {
                    throw unsupported(name, "not an average over time");
                }
            } else if (node instanceof Lowering.Dense d && d.hasBias()) {
                if (d.output() != (i == nodes.size() - 1)) {
                    throw unsupported(name, "an output layer that is not the last");
                }
                if (d.output()) {
                    outAct = d.activation();
                }
                INDArray w = plain(p.get("W"), 'f', name);
                dense.add(new Dense((int) w.size(0), (int) w.size(1), d.relu(), w, plain(p.get("b"), 'c', name),
                        grads.get("W"), grads.get("b")));
            } else {
                throw unsupported(name, node instanceof Lowering.Other o ? o.what() : "layer type "
                        + ((org.deeplearning4j.nn.conf.graph.LayerVertex) g.getConfiguration().getVertices().get(name))
                        .getLayerConf().getLayer().getClass().getSimpleName() + " here");
            }
        }
        if (outAct == null) {
            throw new CompressionException("bag trainer: the network must end in a softmax output layer");
        }
        return new BagTrainer(g, views, outAct, vocab, dim, length, table, tableGrad, dense);
    }

    /**
     * Runs {@code column} for every embedding column, the columns split across the cores: DL4J's table is
     * column-major, so a column is one contiguous run that stays in cache while every token reads or adds to it, and
     * no two threads touch the same entry.
     */
    private void forEachColumn(IntConsumer column) {
        int parts = Math.max(1, Math.min(dim, Runtime.getRuntime().availableProcessors()));
        IntStream.range(0, parts).parallel().forEach(part -> {
            for (int j = part * dim / parts; j < (part + 1) * dim / parts; j++) {
                column.accept(j);
            }
        });
    }

    /** Where (token v, column j) of the table is. */
    private int index(int v, int j) {
        return rowMajor ? v * dim + j : v + j * vocab;
    }

    @Override
    public String toString() {
        return "embedding-bag trainer (" + vocab + " x " + dim + ", " + dense.size() + " dense)";
    }

    private static FloatBuffer buffer(INDArray a) {
        return new FloatPointer(at(address(a))).capacity(a.length()).asBuffer();
    }

    private static float[] read(INDArray a) {
        float[] v = new float[(int) a.length()];
        new FloatPointer(at(address(a))).capacity(v.length).get(v);
        return v;
    }

    private static void write(INDArray a, float[] v) {
        new FloatPointer(at(address(a))).capacity(v.length).put(v);
    }

    @Override
    protected float[] forward(INDArray features) {
        n = (int) features.size(0);
        float[] ids = Matrices.floats(features);
        steps = ids.length / n;
        if (length > 0 && steps != length || features.rank() == 3 && features.size(1) != 1
                || features.rank() > 3 || features.rank() < 2) {
            throw new CompressionException("bag trainer: token input " + Arrays.toString(features.shape())
                    + " for an embedding of sequences of " + length);
        }
        tokens = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            int id = (int) ids[i];
            if (id < 0 || id >= vocab) {
                throw new CompressionException("token id " + ids[i] + " outside the vocabulary of " + vocab);
            }
            tokens[i] = id;
        }
        FloatBuffer w = buffer(table);
        float[] pooled = new float[n * dim];
        float inv = 1f / steps;
        forEachColumn(j -> {
            for (int b = 0; b < n; b++) {
                float sum = 0;
                for (int s = 0; s < steps; s++) {
                    sum += w.get(index(tokens[b * steps + s], j));
                }
                pooled[b * dim + j] = sum * inv;
            }
        });
        float[] h = pooled;
        inputs = new float[dense.size()][];
        weights = new float[dense.size()][];
        for (int k = 0; k < dense.size(); k++) {
            Dense d = dense.get(k);
            inputs[k] = h;
            weights[k] = read(d.w()); // DL4J's [in, out] column-major: [out][in] row-major
            h = FloatRuntime.dense(h, n, d.in(), d.out(), weights[k], read(d.b()), d.relu());
        }
        return h;
    }

    @Override
    protected void backward(float[] dPre) {
        float[] delta = dPre;
        for (int k = dense.size() - 1; k >= 0; k--) {
            Dense d = dense.get(k);
            float[] a = inputs[k];
            float[] wt = weights[k];
            float[] gw = new float[d.in() * d.out()];
            float[] gb = new float[d.out()];
            float[] da = new float[n * d.in()];
            for (int b = 0; b < n; b++) {
                for (int o = 0; o < d.out(); o++) {
                    float g = delta[b * d.out() + o];
                    gb[o] += g;
                    for (int i = 0; i < d.in(); i++) {
                        gw[i + o * d.in()] += a[b * d.in() + i] * g;
                        da[b * d.in() + i] += g * wt[i + o * d.in()];
                    }
                }
            }
            write(d.gw(), gw);
            write(d.gb(), gb);
            if (k > 0 && dense.get(k - 1).relu()) { // the input is the ReLU output of the layer before
                for (int i = 0; i < da.length; i++) {
                    if (a[i] <= 0) {
                        da[i] = 0;
                    }
                }
            }
            delta = da;
        }
        // Each token's row gets its example's gradient over the length; columns split across the cores.
        if (tableGradBuffer == null) {
            tableGradBuffer = new float[vocab * dim];
        }
        float[] gt = tableGradBuffer;
        Arrays.fill(gt, 0f);
        float[] dh = delta;
        float inv = 1f / steps;
        forEachColumn(j -> {
            for (int b = 0; b < n; b++) {
                float g = dh[b * dim + j] * inv;
                for (int s = 0; s < steps; s++) {
                    gt[index(tokens[b * steps + s], j)] += g;
                }
            }
        });
        write(tableGrad, gt);
    }
}
