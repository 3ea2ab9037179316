package org.jvmcompress.core.model.keras;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.graph.rnn.ReverseTimeSeriesVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.Subsampling1DLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationGELU;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Builds a DL4J ComputationGraph from a Keras 3 model config (Sequential or Functional) and its weights, layer by
 * layer. The graph is channels-first, as DL4J's layers and this suite's data are: kernels are transposed, and a Dense
 * layer after a Flatten gets its rows reordered from Keras' (height, width, channels) order to DL4J's (channels,
 * height, width), so that the outputs match Keras' on the same (transposed) inputs. A final softmax Dense layer
 * becomes an output layer. Anything else is refused with the layer's name, its class and the supported classes.
 */
public final class KerasImporter {
    public static final List<String> SUPPORTED = List.of("InputLayer", "Dense", "Conv1D", "Conv2D",
            "DepthwiseConv2D", "SeparableConv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D",
            "AveragePooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D",
            "GlobalMaxPooling2D", "Flatten", "Reshape", "BatchNormalization", "Dropout", "SpatialDropout1D",
            "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "Embedding", "LSTM", "GRU", "Bidirectional", "Add",
            "Subtract", "Multiply", "Average", "Maximum", "Concatenate", "Activation", "ReLU", "LeakyReLU", "ELU",
            "Softmax");

    /** A tensor of the Keras graph: the DL4J vertex that makes it, its Keras shape (no batch, channels last). */
    private record T(String vertex, long[] shape, long[] flattenedFrom) {
        int rank() {
            return shape.length;
        }
    }

    private record Pending(String layer, String param, INDArray value) {}

    private final ComputationGraphConfiguration.GraphBuilder g;
    private final Map<String, T> tensors = new HashMap<>();
    private final List<Pending> params = new ArrayList<>();
    private final Map<String, Integer> classCounts = new HashMap<>();
    private final KerasWeights weights;
    private final List<String> inputs = new ArrayList<>();
    private final List<InputType> inputTypes = new ArrayList<>();
    private final Map<String, Long> vocab = new HashMap<>();

    private KerasImporter(KerasWeights weights) {
        this.weights = weights;
        this.g = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).graphBuilder();
    }

    /**
     * @param model the {"class_name": "Sequential" | "Functional", "config": {...}} object of the Keras file
     */
    static ComputationGraph build(JsonNode model, KerasWeights weights) {
        return new KerasImporter(weights).run(model);
    }

    private ComputationGraph run(JsonNode model) {
        String kind = model.path("class_name").asText();
        JsonNode cfg = model.path("config");
        List<String> outputs = new ArrayList<>();
        if (kind.equals("Sequential")) {
            T prev = null;
            for (JsonNode l : cfg.path("layers")) {
                if (l.path("class_name").asText().equals("InputLayer")) {
                    prev = input(l.path("config").path("name").asText("input"), l.path("config"));
                    continue;
                }
                if (prev == null) {
                    JsonNode bc = l.path("build_config").path("input_shape");
                    if (bc.isMissingNode()) {
                        throw new CompressionException("Keras file: the Sequential model has no input shape");
                    }
                    prev = input("input", Map.of("batch_shape", bc));
                }
                prev = layer(l, List.of(prev));
            }
            outputs.add(prev.vertex());
        } else if (kind.equals("Functional") || kind.equals("Model")) {
            for (JsonNode l : cfg.path("layers")) {
                String name = l.path("name").asText(l.path("config").path("name").asText());
                if (l.path("class_name").asText().equals("InputLayer")) {
                    tensors.put(name, input(name, l.path("config")));
                    continue;
                }
                JsonNode nodes = l.path("inbound_nodes");
                if (nodes.size() != 1) {
                    throw new CompressionException("Keras file: layer " + name + " is called " + nodes.size()
                            + " times (shared layers are not supported)");
                }
                List<T> ins = new ArrayList<>();
                collectInputs(nodes.get(0).path("args"), ins, name);
                T out = layer(l, ins);
                tensors.put(name, out);
            }
            JsonNode outs = cfg.path("output_layers");
            if (outs.size() > 0 && outs.get(0).isTextual()) {
                outs = cfg.path("output_layers"); // a single [name, node, index]
                outputs.add(tensors.get(outs.get(0).asText()).vertex());
            } else {
                for (JsonNode o : outs) {
                    outputs.add(tensors.get(o.get(0).asText()).vertex());
                }
            }
        } else {
            throw new CompressionException("Keras file: model class '" + kind + "' (Sequential or Functional expected)");
        }
        if (outputs.size() != 1) {
            throw new CompressionException("Keras file: the model has " + outputs.size() + " outputs (one expected)");
        }
        g.setOutputs(outputs.toArray(new String[0]));
        g.setInputTypes(inputTypes.toArray(new InputType[0]));
        ComputationGraphConfiguration conf = g.build();
        // DL4J sets an embedding's nIn from its input type (the sequence length); the vocabulary size is wanted.
        vocab.forEach((layer, n) -> ((EmbeddingSequenceLayer) ((org.deeplearning4j.nn.conf.graph.LayerVertex)
                conf.getVertices().get(layer)).getLayerConf().getLayer()).setNIn(n));
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        for (Pending p : params) {
            INDArray target = net.getLayer(p.layer()).getParam(p.param());
            if (target == null) {
                throw new CompressionException("Keras import: layer " + p.layer() + " has no parameter " + p.param());
            }
            if (target.length() != p.value().length()) {
                throw new CompressionException(String.format(Locale.ROOT, "Keras import: layer %s parameter %s has %d"
                        + " values in DL4J, %d in the file", p.layer(), p.param(), target.length(), p.value().length()));
            }
            target.assign(p.value().reshape('c', target.shape()).castTo(target.dataType()));
        }
        return net;
    }

    private void collectInputs(JsonNode args, List<T> out, String layer) {
        for (JsonNode a : args) {
            if (a.isArray()) {
                collectInputs(a, out, layer);
            } else if (a.path("class_name").asText().equals("__keras_tensor__")) {
                JsonNode hist = a.path("config").path("keras_history");
                T t = tensors.get(hist.get(0).asText());
                if (t == null) {
                    throw new CompressionException("Keras file: layer " + layer + " takes the output of "
                            + hist.get(0).asText() + ", which comes later or does not exist");
                }
                if (hist.get(2).asInt() != 0) {
                    throw new CompressionException("Keras file: layer " + layer + " takes output "
                            + hist.get(2).asInt() + " of " + hist.get(0).asText() + " (layers with several outputs are"
                            + " not supported)");
                }
                out.add(t);
            }
        }
    }

    private T input(String name, Object cfg) {
        JsonNode c = cfg instanceof JsonNode j ? j : org.jvmcompress.core.util.Json.MAPPER.valueToTree(cfg);
        JsonNode bs = c.has("batch_shape") ? c.path("batch_shape") : c.path("batch_input_shape");
        long[] shape = new long[bs.size() - 1];
        for (int i = 1; i < bs.size(); i++) {
            if (bs.get(i).isNull()) {
                throw new CompressionException("Keras file: input " + name + " has an unknown dimension " + i
                        + " (fixed input shapes only)");
            }
            shape[i - 1] = bs.get(i).asLong();
        }
        inputs.add(name);
        g.addInputs(name);
        inputTypes.add(switch (shape.length) {
            case 1 -> InputType.feedForward(shape[0]);
            case 2 -> InputType.recurrent(shape[1], shape[0], RNNFormat.NCW);
            case 3 -> InputType.convolutional(shape[0], shape[1], shape[2]);
            default -> throw new CompressionException("Keras file: input " + name + " of shape " + Arrays.toString(shape));
        });
        return new T(name, shape, null);
    }

    /** Keras' name for a layer class in the weights archive: snake case, numbered per class in model order. */
    private String tracked(String className) {
        String s = className.replaceAll("(.)([A-Z][a-z]+)", "$1_$2").replaceAll("([a-z])([A-Z])", "$1_$2")
                .toLowerCase(Locale.ROOT);
        int k = classCounts.merge(s, 1, Integer::sum) - 1;
        return k == 0 ? s : s + "_" + k;
    }

    private static CompressionException unsupported(String name, String cls, String why) {
        return new CompressionException("Keras layer " + name + " (" + cls + "): " + why + "; supported layers: "
                + String.join(", ", SUPPORTED));
    }

    private T layer(JsonNode l, List<T> ins) {
        try {
            return map(l, ins);
        } catch (IndexOutOfBoundsException e) {
            String name = l.path("config").path("name").asText(l.path("name").asText());
            throw new CompressionException("Keras file: layer " + name + " (" + l.path("class_name").asText()
                    + ") has fewer weight arrays in the file than its config needs");
        }
    }

    private T map(JsonNode l, List<T> ins) {
        String cls = l.path("class_name").asText();
        JsonNode c = l.path("config");
        String name = c.path("name").asText(l.path("name").asText());
        if (!SUPPORTED.contains(cls)) {
            throw unsupported(name, cls, "not supported");
        }
        String trackedName = tracked(cls);
        List<KerasWeights.Tensor> w = weights.of(name, trackedName);
        if (!List.of("Add", "Subtract", "Multiply", "Average", "Maximum", "Concatenate").contains(cls) && ins.size() != 1) {
            throw unsupported(name, cls, "takes " + ins.size() + " inputs");
        }
        T in = ins.get(0);
        if (c.path("data_format").asText("channels_last").equals("channels_first")) {
            throw unsupported(name, cls, "data_format channels_first");
        }
        switch (cls) {
            case "Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout" -> {
                return in; // identity at inference
            }
            case "Dense" -> {
                return dense(name, cls, c, in, w);
            }
            case "Conv2D" -> {
                need(in, 3, name, cls);
                if (c.path("groups").asInt(1) != 1) {
                    throw unsupported(name, cls, "grouped convolution");
                }
                int[] k = ints(c.path("kernel_size"));
                int[] s = ints(c.path("strides"));
                int[] d = ints(c.path("dilation_rate"));
                int filters = c.path("filters").asInt();
                boolean bias = c.path("use_bias").asBoolean(true);
                g.addLayer(name, new ConvolutionLayer.Builder(k[0], k[1]).stride(s[0], s[1]).dilation(d[0], d[1])
                        .nOut(filters).hasBias(bias).convolutionMode(mode(c, name, cls))
                        .activation(activation(c, name, cls)).build(), in.vertex());
                put(name, "W", w, 0, permute(w.get(0), 3, 2, 0, 1));
                if (bias) {
                    put(name, "b", w, 1, flat(w.get(1)));
                }
                long[] hw = spatial(in.shape(), k, s, d, c.path("padding").asText());
                return new T(name, new long[] {hw[0], hw[1], filters}, null);
            }
            case "DepthwiseConv2D" -> {
                need(in, 3, name, cls);
                int[] k = ints(c.path("kernel_size"));
                int[] s = ints(c.path("strides"));
                int[] d = ints(c.path("dilation_rate"));
                int m = c.path("depth_multiplier").asInt(1);
                boolean bias = c.path("use_bias").asBoolean(true);
                g.addLayer(name, new DepthwiseConvolution2D.Builder(k[0], k[1]).stride(s[0], s[1]).dilation(d[0], d[1])
                        .depthMultiplier(m).nOut(in.shape()[2] * m).hasBias(bias).convolutionMode(mode(c, name, cls))
                        .activation(activation(c, name, cls)).build(), in.vertex());
                put(name, "W", w, 0, flat(w.get(0))); // [kh, kw, in, m] in both
                if (bias) {
                    put(name, "b", w, 1, flat(w.get(1)));
                }
                long[] hw = spatial(in.shape(), k, s, d, c.path("padding").asText());
                return new T(name, new long[] {hw[0], hw[1], in.shape()[2] * m}, null);
            }
            case "SeparableConv2D" -> {
                need(in, 3, name, cls);
                int[] k = ints(c.path("kernel_size"));
                int[] s = ints(c.path("strides"));
                int[] d = ints(c.path("dilation_rate"));
                int m = c.path("depth_multiplier").asInt(1);
                if (m != 1) {
                    throw unsupported(name, cls, "depth_multiplier " + m + " (1 only)");
                }
                int filters = c.path("filters").asInt();
                boolean bias = c.path("use_bias").asBoolean(true);
                g.addLayer(name, new SeparableConvolution2D.Builder(k[0], k[1]).stride(s[0], s[1]).dilation(d[0], d[1])
                        .depthMultiplier(m).nOut(filters).hasBias(bias).convolutionMode(mode(c, name, cls))
                        .activation(activation(c, name, cls)).build(), in.vertex());
                put(name, "W", w, 0, permute(w.get(0), 3, 2, 0, 1));
                put(name, "pW", w, 1, permute(w.get(1), 3, 2, 0, 1));
                if (bias) {
                    put(name, "b", w, 2, flat(w.get(2)));
                }
                long[] hw = spatial(in.shape(), k, s, d, c.path("padding").asText());
                return new T(name, new long[] {hw[0], hw[1], filters}, null);
            }
            case "Conv1D" -> {
                need(in, 2, name, cls);
                if (c.path("padding").asText().equals("causal") || c.path("groups").asInt(1) != 1) {
                    throw unsupported(name, cls, "causal padding or groups");
                }
                int k = ints(c.path("kernel_size"))[0];
                int s = ints(c.path("strides"))[0];
                int d = ints(c.path("dilation_rate"))[0];
                int filters = c.path("filters").asInt();
                boolean bias = c.path("use_bias").asBoolean(true);
                g.addLayer(name, new Convolution1DLayer.Builder().kernelSize(k).stride(s).dilation(d).nOut(filters)
                        .hasBias(bias).convolutionMode(mode(c, name, cls)).rnnDataFormat(RNNFormat.NCW)
                        .activation(activation(c, name, cls)).build(), in.vertex());
                put(name, "W", w, 0, flat(w.get(0))); // DL4J reads its 1-D kernel as [k, in, out], as Keras stores it
                if (bias) {
                    put(name, "b", w, 1, flat(w.get(1)));
                }
                long len = spatial(new long[] {in.shape()[0], 1}, new int[] {k, 1}, new int[] {s, 1},
                        new int[] {d, 1}, c.path("padding").asText())[0];
                return new T(name, new long[] {len, filters}, null);
            }
            case "MaxPooling2D", "AveragePooling2D" -> {
                need(in, 3, name, cls);
                int[] p = ints(c.path("pool_size"));
                int[] s = c.path("strides").isNull() || c.path("strides").isMissingNode() ? p : ints(c.path("strides"));
                g.addLayer(name, new SubsamplingLayer.Builder(cls.startsWith("Max") ? PoolingType.MAX : PoolingType.AVG)
                        .kernelSize(p[0], p[1]).stride(s[0], s[1]).convolutionMode(mode(c, name, cls))
                        .avgPoolIncludePadInDivisor(false).build(), in.vertex());
                long[] hw = spatial(in.shape(), p, s, new int[] {1, 1}, c.path("padding").asText());
                return new T(name, new long[] {hw[0], hw[1], in.shape()[2]}, null);
            }
            case "MaxPooling1D", "AveragePooling1D" -> {
                need(in, 2, name, cls);
                int p = ints(c.path("pool_size"))[0];
                int s = c.path("strides").isNull() || c.path("strides").isMissingNode() ? p : ints(c.path("strides"))[0];
                g.addLayer(name, new Subsampling1DLayer.Builder(cls.startsWith("Max") ? PoolingType.MAX : PoolingType.AVG)
                        .kernelSize(p).stride(s).convolutionMode(mode(c, name, cls)).avgPoolIncludePadInDivisor(false)
                        .build(), in.vertex());
                long len = spatial(new long[] {in.shape()[0], 1}, new int[] {p, 1}, new int[] {s, 1},
                        new int[] {1, 1}, c.path("padding").asText())[0];
                return new T(name, new long[] {len, in.shape()[1]}, null);
            }
            case "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D" -> {
                need(in, cls.endsWith("1D") ? 2 : 3, name, cls);
                if (c.path("keepdims").asBoolean(false)) {
                    throw unsupported(name, cls, "keepdims");
                }
                g.addLayer(name, new GlobalPoolingLayer.Builder(cls.contains("Max") ? PoolingType.MAX : PoolingType.AVG)
                        .build(), in.vertex());
                return new T(name, new long[] {in.shape()[in.rank() - 1]}, null);
            }
            case "Flatten" -> {
                if (in.rank() == 1) {
                    return in;
                }
                long n = Arrays.stream(in.shape()).reduce(1, (a, b) -> a * b);
                if (in.rank() == 3) {
                    g.addVertex(name, new PreprocessorVertex(new CnnToFeedForwardPreProcessor(in.shape()[0],
                            in.shape()[1], in.shape()[2])), in.vertex());
                } else {
                    g.addVertex(name, new PreprocessorVertex(new KerasReshape(in.shape(), new long[] {n})), in.vertex());
                    return new T(name, new long[] {n}, null); // KerasReshape already flattens in Keras' order
                }
                return new T(name, new long[] {n}, in.shape());
            }
            case "Reshape" -> {
                JsonNode ts = c.path("target_shape");
                long total = Arrays.stream(in.shape()).reduce(1, (a, b) -> a * b);
                long[] to = new long[ts.size()];
                long known = 1;
                int free = -1;
                for (int i = 0; i < to.length; i++) {
                    to[i] = ts.get(i).asLong();
                    if (to[i] == -1) {
                        free = i;
                    } else {
                        known *= to[i];
                    }
                }
                if (free >= 0) {
                    to[free] = total / known;
                }
                if (Arrays.stream(to).reduce(1, (a, b) -> a * b) != total || to.length > 3) {
                    throw unsupported(name, cls, "target shape " + Arrays.toString(to) + " for input "
                            + Arrays.toString(in.shape()));
                }
                long[] from = in.flattenedFrom() != null ? in.flattenedFrom() : in.shape();
                String src = in.vertex();
                g.addVertex(name, new PreprocessorVertex(new KerasReshape(from, to)), src);
                return new T(name, to, null);
            }
            case "BatchNormalization" -> {
                int axis = c.path("axis").isArray() ? c.path("axis").get(0).asInt() : c.path("axis").asInt(-1);
                if (axis != -1 && axis != in.rank()) {
                    throw unsupported(name, cls, "axis " + axis + " (the channel axis only)");
                }
                boolean scale = c.path("scale").asBoolean(true);
                boolean center = c.path("center").asBoolean(true);
                long ch = in.shape()[in.rank() - 1];
                g.addLayer(name, new BatchNormalization.Builder().nOut(ch).eps(c.path("epsilon").asDouble(1e-3))
                        .useLogStd(false).lockGammaBeta(false).build(), in.vertex());
                int i = 0;
                put(name, "gamma", w, i, scale ? flat(w.get(i++)) : Nd4j.ones(DataType.FLOAT, ch));
                put(name, "beta", w, i, center ? flat(w.get(i++)) : Nd4j.zeros(DataType.FLOAT, ch));
                put(name, "mean", w, i, flat(w.get(i++)));
                put(name, "var", w, i, flat(w.get(i)));
                return new T(name, in.shape(), in.flattenedFrom());
            }
            case "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax" -> {
                IActivation a = switch (cls) {
                    case "ReLU" -> {
                        if (c.path("negative_slope").asDouble(0) != 0 || c.path("threshold").asDouble(0) != 0) {
                            throw unsupported(name, cls, "negative_slope or threshold");
                        }
                        yield c.path("max_value").isNumber() && c.path("max_value").asDouble() == 6
                                ? Activation.RELU6.getActivationFunction() : Activation.RELU.getActivationFunction();
                    }
                    case "LeakyReLU" -> new ActivationLReLU(c.path("negative_slope").asDouble(c.path("alpha").asDouble(0.3)));
                    case "ELU" -> new org.nd4j.linalg.activations.impl.ActivationELU(c.path("alpha").asDouble(1));
                    case "Softmax" -> Activation.SOFTMAX.getActivationFunction();
                    default -> activation(c, name, cls);
                };
                g.addLayer(name, new ActivationLayer.Builder().activation(a).build(), in.vertex());
                return new T(name, in.shape(), in.flattenedFrom());
            }
            case "Embedding" -> {
                need(in, 1, name, cls);
                if (c.path("mask_zero").asBoolean(false)) {
                    throw unsupported(name, cls, "mask_zero=True (masking is not supported)");
                }
                int dim = c.path("output_dim").asInt();
                g.addLayer(name, new EmbeddingSequenceLayer.Builder().nIn(c.path("input_dim").asInt()).nOut(dim)
                        .inputLength((int) in.shape()[0]).outputDataFormat(RNNFormat.NCW).hasBias(false).build(),
                        in.vertex());
                put(name, "W", w, 0, flat(w.get(0)));
                vocab.put(name, c.path("input_dim").asLong());
                return new T(name, new long[] {in.shape()[0], dim}, null);
            }
            case "LSTM" -> {
                need(in, 2, name, cls);
                return lstm(name, cls, c, in, w, 0, "", null);
            }
            case "GRU" -> {
                need(in, 2, name, cls);
                if (!c.path("reset_after").asBoolean(true) || !c.path("activation").asText("tanh").equals("tanh")
                        || !c.path("recurrent_activation").asText("sigmoid").equals("sigmoid")
                        || !c.path("use_bias").asBoolean(true) || c.path("go_backwards").asBoolean(false)
                        || c.path("stateful").asBoolean(false) || c.path("return_state").asBoolean(false)) {
                    throw unsupported(name, cls, "other than reset_after=True, tanh/sigmoid, with bias, forward,"
                            + " stateless");
                }
                int units = c.path("units").asInt();
                boolean seq = c.path("return_sequences").asBoolean(false);
                g.addLayer(name, new KerasGru(units, seq), in.vertex());
                put(name, "W", w, 0, flat(w.get(0)));
                put(name, "RW", w, 1, flat(w.get(1)));
                put(name, "b", w, 2, flat(w.get(2)));
                return new T(name, seq ? new long[] {in.shape()[0], units} : new long[] {units}, null);
            }
            case "Bidirectional" -> {
                need(in, 2, name, cls);
                JsonNode inner = c.path("layer");
                if (!inner.path("class_name").asText().equals("LSTM")) {
                    throw unsupported(name, cls, "wraps " + inner.path("class_name").asText() + " (LSTM only)");
                }
                return bidirectional(name, cls, c, inner.path("config"), in, w);
            }
            case "Add", "Subtract", "Multiply", "Average", "Maximum" -> {
                ElementWiseVertex.Op op = switch (cls) {
                    case "Add" -> ElementWiseVertex.Op.Add;
                    case "Subtract" -> ElementWiseVertex.Op.Subtract;
                    case "Multiply" -> ElementWiseVertex.Op.Product;
                    case "Average" -> ElementWiseVertex.Op.Average;
                    default -> ElementWiseVertex.Op.Max;
                };
                for (T t : ins) {
                    if (!Arrays.equals(t.shape(), in.shape())) {
                        throw unsupported(name, cls, "inputs of shapes " + Arrays.toString(in.shape()) + " and "
                                + Arrays.toString(t.shape()) + " (broadcasting is not supported)");
                    }
                }
                g.addVertex(name, new ElementWiseVertex(op), ins.stream().map(T::vertex).toArray(String[]::new));
                return new T(name, in.shape(), null);
            }
            case "Concatenate" -> {
                int axis = c.path("axis").asInt(-1);
                if (axis != -1 && axis != in.rank()) {
                    throw unsupported(name, cls, "axis " + axis + " (the channel axis only)");
                }
                long sum = 0;
                for (T t : ins) {
                    if (t.rank() != in.rank()) {
                        throw unsupported(name, cls, "inputs of different ranks");
                    }
                    sum += t.shape()[t.rank() - 1];
                }
                g.addVertex(name, new MergeVertex(), ins.stream().map(T::vertex).toArray(String[]::new));
                long[] s = in.shape().clone();
                s[s.length - 1] = sum;
                return new T(name, s, null);
            }
            default -> throw unsupported(name, cls, "not supported");
        }
    }

    private T dense(String name, String cls, JsonNode c, T in, List<KerasWeights.Tensor> w) {
        if (in.rank() == 3) {
            throw unsupported(name, cls, "applied to an image tensor (flatten or pool first)");
        }
        int units = c.path("units").asInt();
        boolean bias = c.path("use_bias").asBoolean(true);
        IActivation act = activation(c, name, cls);
        boolean softmaxOut = act instanceof org.nd4j.linalg.activations.impl.ActivationSoftmax && in.rank() == 1;
        Layer layer = softmaxOut
                ? new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(units).activation(act).hasBias(bias)
                        .build()
                : new DenseLayer.Builder().nOut(units).activation(act).hasBias(bias).build();
        g.addLayer(name, layer, in.vertex());
        INDArray kernel = flat(w.get(0)).reshape('c', w.get(0).shape());
        if (in.flattenedFrom() != null) {
            kernel = rowsToChannelsFirst(kernel, in.flattenedFrom());
        }
        put(name, "W", w, 0, kernel);
        if (bias) {
            put(name, "b", w, 1, flat(w.get(1)));
        }
        long[] out = in.shape().clone();
        out[out.length - 1] = units;
        return new T(name, out, null);
    }

    /** Reorders a kernel's rows from channels-last flattening (h, w, c) to DL4J's (c, h, w). */
    private static INDArray rowsToChannelsFirst(INDArray kernel, long[] hwc) {
        long units = kernel.size(1);
        long[] s = new long[hwc.length + 1];
        System.arraycopy(hwc, 0, s, 0, hwc.length);
        s[hwc.length] = units;
        INDArray k = kernel.reshape('c', s);
        INDArray p = hwc.length == 3 ? k.permute(2, 0, 1, 3) : k.permute(1, 0, 2);
        return p.dup('c').reshape('c', kernel.size(0), units);
    }

    /** Keras gates [i, f, c, o] to DL4J's [c, f, o, i] along the last axis. */
    private static INDArray gates(INDArray a) {
        long u = a.size(a.rank() - 1) / 4;
        INDArray m = a.rank() == 1 ? a.reshape(1, a.length()) : a;
        INDArray i = m.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, u));
        INDArray f = m.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(u, 2 * u));
        INDArray cc = m.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(2 * u, 3 * u));
        INDArray o = m.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(3 * u, 4 * u));
        return Nd4j.hstack(cc, f, o, i);
    }

    private LSTM lstmLayer(String name, String cls, JsonNode c) {
        if (c.path("go_backwards").asBoolean(false) || c.path("stateful").asBoolean(false)
                || c.path("return_state").asBoolean(false)) {
            throw unsupported(name, cls, "go_backwards, stateful or return_state");
        }
        return new LSTM.Builder().nOut(c.path("units").asInt()).activation(activation(c, name, cls))
                .gateActivationFunction(activation(c.path("recurrent_activation").asText("sigmoid"), name, cls))
                .dataFormat(RNNFormat.NCW).build();
    }

    /** Puts an LSTM's three Keras weights (from index {@code at}) into DL4J's W, RW, b (with a param prefix). */
    private void lstmParams(String layer, String prefix, List<KerasWeights.Tensor> w, int at, JsonNode c) {
        int units = c.path("units").asInt();
        put(layer, prefix + "W", w, at, gates(flat(w.get(at)).reshape('c', w.get(at).shape())));
        put(layer, prefix + "RW", w, at + 1, gates(flat(w.get(at + 1)).reshape('c', w.get(at + 1).shape())));
        put(layer, prefix + "b", w, at, c.path("use_bias").asBoolean(true)
                ? gates(flat(w.get(at + 2))) : Nd4j.zeros(DataType.FLOAT, 1, 4L * units));
    }

    private T lstm(String name, String cls, JsonNode c, T in, List<KerasWeights.Tensor> w, int at, String prefix,
                   String source) {
        LSTM l = lstmLayer(name, cls, c);
        boolean seq = c.path("return_sequences").asBoolean(false);
        g.addLayer(name, seq ? l : new LastTimeStep(l), source != null ? source : in.vertex());
        lstmParams(name, prefix, w, at, c);
        int units = c.path("units").asInt();
        return new T(name, seq ? new long[] {in.shape()[0], units} : new long[] {units}, null);
    }

    private T bidirectional(String name, String cls, JsonNode c, JsonNode inner, T in, List<KerasWeights.Tensor> w) {
        String merge = c.path("merge_mode").asText("concat");
        int units = inner.path("units").asInt();
        boolean seq = inner.path("return_sequences").asBoolean(false);
        int per = inner.path("use_bias").asBoolean(true) ? 3 : 2;
        if (w.size() != 2 * per) {
            throw unsupported(name, cls, "has " + w.size() + " weight arrays, " + 2 * per + " expected");
        }
        if (seq) {
            Bidirectional.Mode mode = switch (merge) {
                case "concat" -> Bidirectional.Mode.CONCAT;
                case "sum" -> Bidirectional.Mode.ADD;
                case "mul" -> Bidirectional.Mode.MUL;
                case "ave" -> Bidirectional.Mode.AVERAGE;
                default -> throw unsupported(name, cls, "merge_mode " + merge);
            };
            g.addLayer(name, new Bidirectional(mode, lstmLayer(name, cls, inner)), in.vertex());
            lstmParams(name, "f", w, 0, inner);
            lstmParams(name, "b", w, per, inner);
            return new T(name, new long[] {in.shape()[0], merge.equals("concat") ? 2L * units : units}, null);
        }
        // Last step of each direction: the backward direction's last step is its state after the whole (reversed)
        // sequence, which DL4J's Bidirectional layer does not give; so two LSTMs, one on the reversed input.
        lstm(name + "__forward", cls, inner, in, w, 0, "", null);
        g.addVertex(name + "__reversed", new ReverseTimeSeriesVertex(), in.vertex());
        lstm(name + "__backward", cls, inner, in, w, per, "", name + "__reversed");
        String[] both = {name + "__forward", name + "__backward"};
        switch (merge) {
            case "concat" -> g.addVertex(name, new MergeVertex(), both);
            case "sum" -> g.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Add), both);
            case "mul" -> g.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Product), both);
            case "ave" -> g.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Average), both);
            default -> throw unsupported(name, cls, "merge_mode " + merge);
        }
        return new T(name, new long[] {merge.equals("concat") ? 2L * units : units}, null);
    }

    private void put(String layer, String param, List<KerasWeights.Tensor> w, int index, INDArray value) {
        params.add(new Pending(layer, param, value));
    }

    private static INDArray flat(KerasWeights.Tensor t) {
        return Nd4j.create(t.data(), new long[] {t.data().length}, DataType.FLOAT);
    }

    private static INDArray permute(KerasWeights.Tensor t, int... order) {
        return flat(t).reshape('c', t.shape()).permute(order).dup('c');
    }

    private static void need(T in, int rank, String name, String cls) {
        if (in.rank() != rank) {
            throw unsupported(name, cls, "input of shape " + Arrays.toString(in.shape()) + " (rank " + rank
                    + " expected)");
        }
    }

    private static int[] ints(JsonNode n) {
        if (n.isInt()) {
            return new int[] {n.asInt(), n.asInt()};
        }
        int[] r = new int[n.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = n.get(i).asInt();
        }
        return r;
    }

    private static ConvolutionMode mode(JsonNode c, String name, String cls) {
        return switch (c.path("padding").asText("valid")) {
            case "valid" -> ConvolutionMode.Truncate;
            case "same" -> ConvolutionMode.Same;
            default -> throw unsupported(name, cls, "padding " + c.path("padding").asText());
        };
    }

    /** Output size per spatial axis, as Keras computes it. */
    private static long[] spatial(long[] shape, int[] k, int[] s, int[] d, String padding) {
        long[] out = new long[2];
        for (int i = 0; i < 2; i++) {
            long eff = (long) (k[i] - 1) * d[i] + 1;
            out[i] = padding.equals("same") ? (shape[i] + s[i] - 1) / s[i] : (shape[i] - eff) / s[i] + 1;
        }
        return out;
    }

    private static IActivation activation(JsonNode c, String name, String cls) {
        JsonNode a = c.path("activation");
        String fn = a.isTextual() ? a.asText() : a.path("config").isTextual() ? a.path("config").asText()
                : a.path("config").path("name").asText(a.isMissingNode() ? "linear" : a.toString());
        return activation(fn, name, cls);
    }

    private static final Map<String, Activation> ACTIVATIONS = new LinkedHashMap<>();

    static {
        ACTIVATIONS.put("linear", Activation.IDENTITY);
        ACTIVATIONS.put("relu", Activation.RELU);
        ACTIVATIONS.put("relu6", Activation.RELU6);
        ACTIVATIONS.put("sigmoid", Activation.SIGMOID);
        ACTIVATIONS.put("tanh", Activation.TANH);
        ACTIVATIONS.put("softmax", Activation.SOFTMAX);
        ACTIVATIONS.put("elu", Activation.ELU);
        ACTIVATIONS.put("selu", Activation.SELU);
        ACTIVATIONS.put("softplus", Activation.SOFTPLUS);
        ACTIVATIONS.put("softsign", Activation.SOFTSIGN);
        ACTIVATIONS.put("swish", Activation.SWISH);
        ACTIVATIONS.put("silu", Activation.SWISH);
    }

    private static IActivation activation(String fn, String name, String cls) {
        if (fn.equals("gelu")) {
            return new ActivationGELU(true);
        }
        if (fn.equals("leaky_relu")) {
            return new ActivationLReLU(0.2);
        }
        Activation a = ACTIVATIONS.get(fn);
        if (a == null) {
            throw unsupported(name, cls, "activation '" + fn + "' (supported: " + String.join(", ", ACTIVATIONS.keySet())
                    + ", gelu, leaky_relu)");
        }
        return a.getActivationFunction();
    }
}
