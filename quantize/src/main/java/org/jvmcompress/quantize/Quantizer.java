package org.jvmcompress.quantize;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.Batches;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Post-training quantisation of a DL4J network. Batch norm is first folded into the convolution before it. Modes:
 * <ul>
 *   <li>{@code int8-per-tensor}, {@code int8-per-channel}: weights int8 symmetric with one scale per tensor or per
 *       output channel (per row for embeddings); the input of every convolution and dense layer static int8
 *       (affine, 256 levels) over a range calibrated on training data; biases and other parameters float;</li>
 *   <li>{@code mixed}: int8 per channel, except the layers named float (chosen by sensitivity, see
 *       {@link Sensitivity});</li>
 *   <li>{@code int4-weight}: weights int4 symmetric per channel, packed two per byte; activations float;</li>
 *   <li>{@code fp16}, {@code bf16}: every parameter in half precision.</li>
 * </ul>
 */
public final class Quantizer {
    /** The names of the modes ({@link QuantMode#ALL}). */
    public static final List<String> MODES = QuantMode.names();

    /**
     * @param mode           one of {@link #MODES}
     * @param calibration    range chooser for activations ({@link Calibration#CHOOSERS})
     * @param items          calibration items taken from the start of the calibration source
     * @param floatLayers    layers left in float (mixed mode)
     * @param asymmetric     weights with a zero point (range [min, max]) instead of symmetric
     */
    public record Settings(String mode, String calibration, int items, Set<String> floatLayers, boolean asymmetric) {
        public Settings {
            QuantMode.of(mode); // an unknown mode fails here, naming the known ones
            Calibration.check(calibration);
            if (items < 1) {
                throw new CompressionException("calibration needs at least one item, got " + items);
            }
            floatLayers = floatLayers == null ? Set.of() : Set.copyOf(floatLayers);
        }

        public static Settings of(String mode) {
            return new Settings(mode, "percentile", 1024, Set.of(), false);
        }

        public Settings withFloatLayers(Set<String> layers) {
            return new Settings(mode, calibration, items, layers, asymmetric);
        }

        public Settings withItems(int n) {
            return new Settings(mode, calibration, n, floatLayers, asymmetric);
        }

        /** What the mode does. */
        public QuantMode quantMode() {
            return QuantMode.of(mode);
        }

        public Settings withMode(String m) {
            return new Settings(m, calibration, items, floatLayers, asymmetric);
        }
    }

    private Quantizer() {}

    /** Layers whose weights are quantised, in graph order. */
    public static List<String> weightLayers(ComputationGraph g) {
        List<String> out = new ArrayList<>();
        for (int i : g.topologicalSortOrder()) {
            String name = g.getVertices()[i].getVertexName();
            Layer l = GraphSurgery.layerOf(g.getConfiguration(), name);
            if (l != null && !(l instanceof BatchNormalization) && g.getLayer(name).numParams() > 0) {
                out.add(name);
            }
        }
        return out;
    }

    /** Whether the layer's input is quantised in int8 modes (convolutions and dense layers; not embeddings). */
    static boolean quantisedInput(Layer l) {
        return l instanceof ConvolutionLayer || l instanceof DenseLayer || l instanceof BaseOutputLayer;
    }

    /** Whether a parameter is a weight matrix/kernel (not a bias, not a batch-norm statistic). */
    static boolean isWeight(Layer l, String param, INDArray v) {
        return !(l instanceof BatchNormalization) && param.endsWith("W") && v.rank() >= 2 && v.length() > 1;
    }

    /**
     * The shape a weight is quantised in. DL4J declares a 1-D convolution's weights as [out, in, k, 1] but reads the
     * buffer as [k, in, out] (checked against its forward pass), so they are quantised in that shape, output
     * channels last. Same flat order either way.
     */
    static long[] quantShape(Layer l, String param, long[] shape) {
        if (l instanceof org.deeplearning4j.nn.conf.layers.Convolution1DLayer && param.equals("W") && shape.length == 4) {
            return new long[] {shape[2] * shape[3], shape[1], shape[0]};
        }
        return shape;
    }

    /** The axis of output channels of a weight in its {@link #quantShape} (per-channel scales), or -1. */
    static int channelAxis(Layer l, String param, long[] shape) {
        if (l instanceof org.deeplearning4j.nn.conf.layers.Convolution1DLayer && param.equals("W")) {
            return shape.length - 1;
        }
        if (l instanceof EmbeddingLayer || l instanceof EmbeddingSequenceLayer) {
            return 0;
        }
        if (l instanceof SeparableConvolution2D && param.equals("W")) {
            return 1;
        }
        if (l instanceof org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D && param.equals("W")) {
            return 2; // [kh, kw, in, multiplier]: one scale per input channel (its own output channels)
        }
        if (shape.length >= 3) {
            return 0;
        }
        return shape.length == 2 ? 1 : -1;
    }

    /**
     * @param calib training data for activation ranges (its first {@code settings.items()} items)
     */
    public static QuantizedModel quantize(ComputationGraph model, Batches.Source calib, Settings s) {
        return quantize(model, calib, s, null);
    }

    /**
     * @param ranges activation ranges to use instead of calibrating (quantisation-aware training learned with
     *               them); null to calibrate
     */
    public static QuantizedModel quantize(ComputationGraph model, Batches.Source calib, Settings s,
                                          Map<String, FakeQuant> ranges) {
        ComputationGraph g = GraphSurgery.foldBatchNorm(model);
        ComputationGraphConfiguration conf = g.getConfiguration();
        List<String> layers = weightLayers(g);
        for (String f : s.floatLayers()) {
            if (!layers.contains(f)) {
                throw new CompressionException("no quantisable layer '" + f + "'; the layers are " + layers);
            }
        }
        QuantMode qm = s.quantMode();
        boolean int8 = qm.int8Activations();
        Map<String, Map<String, StoredTensor>> params = new LinkedHashMap<>();
        for (String name : layers) {
            Layer l = GraphSurgery.layerOf(conf, name);
            boolean keepFloat = s.floatLayers().contains(name);
            Map<String, StoredTensor> ps = new LinkedHashMap<>();
            for (Map.Entry<String, INDArray> p : g.getLayer(name).paramTable().entrySet()) {
                INDArray v = p.getValue();
                float[] values = v.castTo(DataType.FLOAT).dup('c').data().asFloat();
                long[] shape = quantShape(l, p.getKey(), v.shape());
                StoredTensor t;
                if (qm.floatWeights()) {
                    t = StoredTensor.floats(values, shape, qm.weightType());
                } else if (!keepFloat && isWeight(l, p.getKey(), v)) {
                    int axis = qm.perChannel() ? channelAxis(l, p.getKey(), shape) : -1;
                    t = StoredTensor.quantized(QTensor.quantize(values, shape, qm.bits(), !s.asymmetric(), axis));
                } else {
                    t = StoredTensor.floats(values, shape, "f32");
                }
                ps.put(p.getKey(), t);
            }
            params.put(name, ps);
        }
        Map<String, FakeQuant> acts = new LinkedHashMap<>();
        Map<String, Object> chosen = new LinkedHashMap<>();
        if (int8) {
            List<String> inputs = new ArrayList<>();
            for (String name : layers) {
                if (quantisedInput(GraphSurgery.layerOf(conf, name)) && !s.floatLayers().contains(name)) {
                    inputs.add(name);
                }
            }
            Map<String, float[]> samples = ranges != null ? Map.of()
                    : Calibration.sample(g, inputs, calib, s.items(), 400_000);
            for (String name : inputs) {
                double[] r = ranges != null && ranges.containsKey(name)
                        ? new double[] {ranges.get(name).getLo(), ranges.get(name).getHi()}
                        : Calibration.range(samples.get(name), s.calibration(), 8);
                acts.put(name, new FakeQuant(r[0], r[1], 8));
                chosen.put(name, List.of(r[0], r[1]));
            }
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("mode", s.mode());
        settings.put("weights", qm.describeWeights(s.asymmetric()));
        settings.put("activations", !int8 ? "float" : ranges != null ? "int8 static, ranges from quantisation-aware"
                + " training" : "int8 static, " + s.calibration() + " calibration on " + Math.min(s.items(),
                calib.size()) + " training items");
        settings.put("floatLayers", new ArrayList<>(s.floatLayers()));
        settings.put("activationRanges", chosen);
        return new QuantizedModel(conf.clone(), params, acts, settings);
    }
}
