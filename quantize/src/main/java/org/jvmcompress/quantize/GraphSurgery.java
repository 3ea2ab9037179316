package org.jvmcompress.quantize;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Changes to a network's graph that keep its function: folding batch norm into the convolution before it, and
 * placing {@link FakeQuant} activation layers before chosen layers. Parameters are carried over by layer name.
 */
public final class GraphSurgery {
    private GraphSurgery() {}

    /** The layer configuration of a vertex, or null for non-layer vertices. */
    static Layer layerOf(ComputationGraphConfiguration c, String vertex) {
        GraphVertex v = c.getVertices().get(vertex);
        return v instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : null;
    }

    /** The vertices that take {@code vertex} as an input. */
    static List<String> consumers(ComputationGraphConfiguration c, String vertex) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : c.getVertexInputs().entrySet()) {
            if (e.getValue().contains(vertex)) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /** A new network with configuration {@code c}, its parameters copied by layer name from {@code from}. */
    static ComputationGraph rebuild(ComputationGraphConfiguration c, ComputationGraph from,
                                    Map<String, Map<String, INDArray>> override) {
        ComputationGraph g = new ComputationGraph(c);
        g.init();
        for (org.deeplearning4j.nn.api.Layer l : g.getLayers()) {
            String name = l.conf().getLayer().getLayerName();
            if (l.numParams() == 0) {
                continue;
            }
            Map<String, INDArray> src = override.containsKey(name) ? override.get(name) : from.getLayer(name).paramTable();
            for (Map.Entry<String, INDArray> p : l.paramTable().entrySet()) {
                INDArray v = src.get(p.getKey());
                if (v == null) {
                    throw new IllegalStateException("no parameter " + p.getKey() + " for layer " + name);
                }
                p.getValue().assign(v.reshape(p.getValue().shape()));
            }
        }
        return g;
    }

    /**
     * Batch norm folded into the convolution that feeds it (when the convolution has no activation of its own and
     * feeds nothing else): {@code W' = W * gamma / std}, {@code b' = (b - mean) * gamma / std + beta} per output
     * channel. Other batch norms stay.
     */
    public static ComputationGraph foldBatchNorm(ComputationGraph g) {
        ComputationGraphConfiguration c = g.getConfiguration().clone();
        Map<String, Map<String, INDArray>> override = new LinkedHashMap<>();
        for (String bn : new ArrayList<>(c.getVertices().keySet())) {
            if (!(layerOf(c, bn) instanceof BatchNormalization bnConf)) {
                continue;
            }
            List<String> in = c.getVertexInputs().get(bn);
            if (in.size() != 1 || !(layerOf(c, in.get(0)) instanceof ConvolutionLayer conv)
                    || consumers(c, in.get(0)).size() != 1
                    || !(conv.getActivationFn() instanceof ActivationIdentity) || !conv.hasBias()
                    || conv.getClass() != ConvolutionLayer.class && !(conv instanceof
                    org.deeplearning4j.nn.conf.layers.Convolution1DLayer)) {
                continue;
            }
            String convName = in.get(0);
            Map<String, INDArray> bp = g.getLayer(bn).paramTable();
            INDArray gamma = bp.get("gamma").reshape(-1);
            INDArray beta = bp.get("beta").reshape(-1);
            INDArray mean = bp.get("mean").reshape(-1);
            INDArray std;
            if (bp.containsKey("log10stdev")) {
                double[] l = bp.get("log10stdev").reshape(-1).toDoubleVector();
                double[] sd = new double[l.length];
                for (int i = 0; i < l.length; i++) {
                    sd[i] = Math.pow(10, l[i]);
                }
                std = org.nd4j.linalg.factory.Nd4j.createFromArray(sd).castTo(gamma.dataType());
            } else {
                std = org.nd4j.linalg.ops.transforms.Transforms.sqrt(bp.get("var").reshape(-1).add(bnConf.getEps()), false);
            }
            INDArray factor = gamma.div(std);
            Map<String, INDArray> cp = g.getLayer(convName).paramTable();
            INDArray w = cp.get("W").dup();
            long nOut = w.size(0);
            INDArray w2 = w.reshape('c', nOut, w.length() / nOut).mulColumnVector(factor.reshape(nOut, 1))
                    .reshape('c', w.shape());
            INDArray b = cp.get("b").reshape(-1).sub(mean).muli(factor).addi(beta);
            Map<String, INDArray> np = new LinkedHashMap<>();
            np.put("W", w2);
            np.put("b", b.reshape(1, nOut));
            override.put(convName, np);
            // Rewire: the consumers of the batch norm take the convolution; the batch norm goes.
            for (String consumer : consumers(c, bn)) {
                List<String> ins = new ArrayList<>(c.getVertexInputs().get(consumer));
                ins.replaceAll(x -> x.equals(bn) ? convName : x);
                c.getVertexInputs().put(consumer, ins);
            }
            c.getVertices().remove(bn);
            c.getVertexInputs().remove(bn);
        }
        return override.isEmpty() ? g : rebuild(c, g, override);
    }

    /** The name of the fake-quantisation vertex placed before layer {@code layer}. */
    public static String quantVertex(String layer) {
        return layer + "_aq";
    }

    /**
     * A copy of {@code g} (parameters from {@code params} by layer name where given) with a {@link FakeQuant}
     * activation layer before each layer named in {@code before}, quantising that layer's input.
     */
    public static ComputationGraph withFakeQuant(ComputationGraph g, Map<String, FakeQuant> before,
                                                 Map<String, Map<String, INDArray>> params) {
        ComputationGraphConfiguration c = g.getConfiguration().clone();
        for (Map.Entry<String, FakeQuant> e : before.entrySet()) {
            String layer = e.getKey();
            LayerVertex target = (LayerVertex) c.getVertices().get(layer);
            List<String> ins = c.getVertexInputs().get(layer);
            if (ins.size() != 1) {
                throw new IllegalStateException("layer " + layer + " has " + ins.size() + " inputs");
            }
            String name = quantVertex(layer);
            NeuralNetConfiguration nnc = target.getLayerConf().clone();
            ActivationLayer aq = new ActivationLayer.Builder().activation(e.getValue()).build();
            aq.setLayerName(name);
            nnc.setLayer(aq);
            c.getVertices().put(name, new LayerVertex(nnc, null));
            c.getVertexInputs().put(name, new ArrayList<>(ins));
            c.getVertexInputs().put(layer, new ArrayList<>(List.of(name)));
        }
        return rebuild(c, g, params);
    }

    /** The network without its {@link FakeQuant} layers (as {@link #withFakeQuant} placed them), and their ranges. */
    public static ComputationGraph withoutFakeQuant(ComputationGraph g, Map<String, FakeQuant> ranges) {
        ComputationGraphConfiguration c = g.getConfiguration().clone();
        for (String v : new ArrayList<>(c.getVertices().keySet())) {
            if (layerOf(c, v) instanceof ActivationLayer a && a.getActivationFn() instanceof FakeQuant fq
                    && v.endsWith("_aq")) {
                String layer = v.substring(0, v.length() - 3);
                ranges.put(layer, fq);
                String in = c.getVertexInputs().get(v).get(0);
                for (String consumer : consumers(c, v)) {
                    List<String> ins = new ArrayList<>(c.getVertexInputs().get(consumer));
                    ins.replaceAll(x -> x.equals(v) ? in : x);
                    c.getVertexInputs().put(consumer, ins);
                }
                c.getVertices().remove(v);
                c.getVertexInputs().remove(v);
            }
        }
        return rebuild(c, g, Map.of());
    }

    /**
     * A copy of {@code g} whose layers all train with {@code updater} (fresh state): fine-tuning a trained network
     * must not inherit the learning-rate schedule it was trained with (that would restart at its first rate).
     */
    public static ComputationGraph withUpdater(ComputationGraph g, org.nd4j.linalg.learning.config.IUpdater updater) {
        ComputationGraphConfiguration c = g.getConfiguration().clone();
        for (String v : c.getVertices().keySet()) {
            if (layerOf(c, v) instanceof BaseLayer b) {
                b.setIUpdater(updater.clone());
                b.setBiasUpdater(null);
            }
        }
        return rebuild(c, g, Map.of());
    }

    /** Whether a layer has weights that quantisation applies to. */
    static boolean hasWeights(Layer l) {
        return l instanceof BaseLayer;
    }
}
