package org.jvmcompress.core.model.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import onnx.Onnx;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.model.LoadedModel;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * An ONNX image classifier as a DL4J network, for what needs DL4J layers (quantisation): the ops of convolutional and
 * dense networks as PyTorch exports them — Conv (group 1, symmetric pads), BatchNormalization, Relu, MaxPool,
 * AveragePool, GlobalAveragePool, Flatten / Reshape to [batch, -1], Gemm, MatMul + Add of a bias, Add of two
 * tensors, Softmax at the end, Dropout and Identity. The last dense layer becomes a softmax output layer (a model
 * ending in logits gives the same classes and, after softmax, the probabilities its runtime gives). Anything else is
 * refused with the ops named. The lowered network is checked against the ONNX runtime on random inputs.
 */
public final class OnnxLowering {
    public static final List<String> SUPPORTED = List.of("Conv", "BatchNormalization", "Relu", "MaxPool",
            "AveragePool", "GlobalAveragePool", "Flatten", "Reshape", "Gemm", "MatMul", "Add", "Softmax", "Dropout",
            "Identity", "Constant");

    private OnnxLowering() {}

    /** A tensor of the graph: the vertex that computes it, its shape without the batch ([c, h, w] or [n]). */
    private record T(String vertex, long[] shape) {}

    /** The model as a DL4J network with its weights, checked against {@code onnx}'s runtime; the same sidecar. */
    public static LoadedModel lower(LoadedModel onnx) {
        Lowered l = lower(onnx.path());
        ComputationGraph g = l.graph();
        long[] s = l.inputShape();
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, s[0], s[1], s[2]);
        INDArray want = onnx.infer(x);
        INDArray got = g.outputSingle(false, x);
        double diff = want.sub(got.castTo(want.dataType())).amax().getDouble(0);
        if (!(diff < 1e-3)) {
            throw new CompressionException(String.format(Locale.ROOT, "ONNX model %s as a DL4J network does not"
                    + " reproduce its outputs (largest difference of probabilities %.2g on random inputs)", onnx.path(),
                    diff));
        }
        return new LoadedModel(g, onnx.info(), onnx.path(), onnx.format());
    }

    /** The network and the image shape [c, h, w] it takes. */
    public record Lowered(ComputationGraph graph, long[] inputShape) {}

    public static Lowered lower(Path file) {
        Onnx.GraphProto graph = parse(file).getGraph();
        Set<String> unsupported = new LinkedHashSet<>();
        for (Onnx.NodeProto n : graph.getNodeList()) {
            if (!SUPPORTED.contains(n.getOpType())) {
                unsupported.add(n.getOpType());
            }
        }
        if (!unsupported.isEmpty()) {
            throw new CompressionException("ONNX model " + file + " has ops that have no DL4J layer here: "
                    + String.join(", ", unsupported) + " (supported: " + String.join(", ", SUPPORTED) + ")");
        }
        Map<String, INDArray> init = new HashMap<>();
        for (Onnx.TensorProto t : graph.getInitializerList()) {
            init.put(t.getName(), tensor(t));
        }
        for (Onnx.NodeProto n : graph.getNodeList()) {
            if (n.getOpType().equals("Constant")) {
                init.put(n.getOutput(0), tensor(n.getAttribute(0).getT()));
            }
        }
        Onnx.ValueInfoProto input = graph.getInputList().stream().filter(v -> !init.containsKey(v.getName()))
                .findFirst().orElseThrow(() -> new CompressionException("ONNX model " + file + " has no input"));
        List<Onnx.TensorShapeProto.Dimension> dims = input.getType().getTensorType().getShape().getDimList();
        if (dims.size() != 4 || dims.subList(1, 4).stream().anyMatch(d -> !d.hasDimValue() || d.getDimValue() < 1)) {
            throw new CompressionException("ONNX model " + file + ": input " + input.getName() + " must be an image"
                    + " batch [N, C, H, W] with fixed C, H and W to become a DL4J network");
        }
        long c = dims.get(1).getDimValue();
        long h = dims.get(2).getDimValue();
        long w = dims.get(3).getDimValue();
        Map<String, Integer> uses = new HashMap<>();
        for (Onnx.NodeProto n : graph.getNodeList()) {
            n.getInputList().forEach(i -> uses.merge(i, 1, Integer::sum));
        }
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
                .convolutionMode(ConvolutionMode.Truncate).graphBuilder().addInputs("input");
        Map<String, T> tensors = new HashMap<>();
        tensors.put(input.getName(), new T("input", new long[] {c, h, w}));
        List<Object[]> params = new ArrayList<>();
        String output = graph.getOutput(0).getName();
        String lastDense = null;
        Map<String, String> denseOf = new HashMap<>();
        int k = 0;
        for (Onnx.NodeProto n : graph.getNodeList()) {
            String op = n.getOpType();
            if (op.equals("Constant")) {
                continue;
            }
            String name = "onnx" + (k++) + "_" + op.toLowerCase(Locale.ROOT);
            Map<String, Onnx.AttributeProto> a = new HashMap<>();
            n.getAttributeList().forEach(x -> a.put(x.getName(), x));
            T in = tensors.get(n.getInput(0));
            if (in == null && !op.equals("Constant")) {
                throw new CompressionException("ONNX model " + file + ": node " + n.getName() + " (" + op + ") takes "
                        + n.getInput(0) + ", which is not computed from the input");
            }
            T out;
            switch (op) {
                case "Conv" -> {
                    INDArray wt = need(init, n, 1, file);
                    if (ints(a, "group", 1)[0] != 1) {
                        throw refuse(file, n, "group convolution");
                    }
                    int[] kk = {(int) wt.size(2), (int) wt.size(3)};
                    int[] st = ints(a, "strides", 1, 1);
                    int[] dl = ints(a, "dilations", 1, 1);
                    int[] pd = symmetricPads(a, n, file);
                    b.addLayer(name, new ConvolutionLayer.Builder(kk).stride(st).dilation(dl).padding(pd)
                            .nIn(wt.size(1)).nOut(wt.size(0)).activation(Activation.IDENTITY)
                            .hasBias(n.getInputCount() > 2).build(), in.vertex());
                    params.add(new Object[] {name, "W", wt});
                    if (n.getInputCount() > 2) {
                        params.add(new Object[] {name, "b", init.get(n.getInput(2))});
                    }
                    long oh = (in.shape()[1] + 2L * pd[0] - ((long) dl[0] * (kk[0] - 1) + 1)) / st[0] + 1;
                    long ow = (in.shape()[2] + 2L * pd[1] - ((long) dl[1] * (kk[1] - 1) + 1)) / st[1] + 1;
                    out = new T(name, new long[] {wt.size(0), oh, ow});
                }
                case "BatchNormalization" -> {
                    long ch = in.shape()[0];
                    b.addLayer(name, new BatchNormalization.Builder().nOut(ch).eps(a.containsKey("epsilon")
                            ? a.get("epsilon").getF() : 1e-5).useLogStd(false).lockGammaBeta(false).build(), in.vertex());
                    String[] p = {"gamma", "beta", "mean", "var"};
                    for (int i = 0; i < 4; i++) {
                        params.add(new Object[] {name, p[i], need(init, n, i + 1, file)});
                    }
                    out = new T(name, in.shape());
                }
                case "Relu" -> {
                    b.addLayer(name, new ActivationLayer.Builder().activation(Activation.RELU).build(), in.vertex());
                    out = new T(name, in.shape());
                }
                case "MaxPool", "AveragePool" -> {
                    if (ints(a, "ceil_mode", 0)[0] != 0) {
                        throw refuse(file, n, "ceil_mode 1");
                    }
                    if (op.equals("AveragePool") && ints(a, "count_include_pad", 0)[0] != 0
                            && symmetricPads(a, n, file)[0] + symmetricPads(a, n, file)[1] > 0) {
                        throw refuse(file, n, "count_include_pad with padding");
                    }
                    int[] kk = ints(a, "kernel_shape");
                    int[] st = ints(a, "strides", kk[0], kk[1]);
                    int[] pd = symmetricPads(a, n, file);
                    b.addLayer(name, new SubsamplingLayer.Builder(op.equals("MaxPool") ? PoolingType.MAX
                            : PoolingType.AVG).kernelSize(kk).stride(st).padding(pd).build(), in.vertex());
                    out = new T(name, new long[] {in.shape()[0], (in.shape()[1] + 2L * pd[0] - kk[0]) / st[0] + 1,
                            (in.shape()[2] + 2L * pd[1] - kk[1]) / st[1] + 1});
                }
                case "GlobalAveragePool" -> {
                    b.addLayer(name, new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), in.vertex());
                    out = new T(name, new long[] {in.shape()[0]});
                }
                case "Flatten", "Reshape", "Dropout", "Identity" -> {
                    if (op.equals("Flatten") && ints(a, "axis", 1)[0] != 1) {
                        throw refuse(file, n, "axis other than 1");
                    }
                    if (op.equals("Reshape")) {
                        INDArray to = need(init, n, 1, file);
                        long total = java.util.Arrays.stream(in.shape()).reduce(1, (x, y) -> x * y);
                        long last = to.length() == 2 ? to.getLong(1) : 0;
                        if (to.length() != 2 || !(last == -1 || last == total)) {
                            throw refuse(file, n, "a target shape other than [batch, -1]");
                        }
                    }
                    boolean flat = op.equals("Flatten") || op.equals("Reshape");
                    out = new T(in.vertex(), flat ? new long[] {java.util.Arrays.stream(in.shape())
                            .reduce(1, (x, y) -> x * y)} : in.shape());
                }
                case "Gemm", "MatMul" -> {
                    INDArray wt = need(init, n, 1, file);
                    if (in.shape().length != 1) {
                        throw refuse(file, n, "an input that is not flat");
                    }
                    boolean transB = op.equals("Gemm") && ints(a, "transB", 0)[0] == 1;
                    if (op.equals("Gemm") && (ints(a, "transA", 0)[0] != 0 || (a.containsKey("alpha")
                            && a.get("alpha").getF() != 1f) || (a.containsKey("beta") && a.get("beta").getF() != 1f))) {
                        throw refuse(file, n, "transA, alpha or beta other than the defaults");
                    }
                    INDArray kernel = transB ? wt.transpose().dup('c') : wt;
                    b.addLayer(name, new DenseLayer.Builder().nIn(kernel.size(0)).nOut(kernel.size(1))
                            .activation(Activation.IDENTITY).build(), in.vertex());
                    params.add(new Object[] {name, "W", kernel});
                    INDArray bias = op.equals("Gemm") && n.getInputCount() > 2 ? init.get(n.getInput(2))
                            : Nd4j.zeros(DataType.FLOAT, kernel.size(1));
                    params.add(new Object[] {name, "b", bias});
                    out = new T(name, new long[] {kernel.size(1)});
                    lastDense = name;
                    denseOf.put(n.getOutput(0), name);
                }
                case "Add" -> {
                    INDArray bias = init.get(n.getInput(1));
                    String dense = denseOf.get(n.getInput(0));
                    if (bias != null && dense != null && uses.getOrDefault(n.getInput(0), 0) == 1) {
                        // MatMul + Add of a bias: the bias of the dense layer before it
                        for (Object[] p : params) {
                            if (p[0].equals(dense) && p[1].equals("b")) {
                                p[2] = ((INDArray) p[2]).add(bias.reshape(-1).castTo(DataType.FLOAT));
                            }
                        }
                        out = in;
                        denseOf.put(n.getOutput(0), dense);
                    } else {
                        T other = tensors.get(n.getInput(1));
                        if (other == null) {
                            throw refuse(file, n, "an addend that is a constant other than a dense layer's bias");
                        }
                        b.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Add), in.vertex(), other.vertex());
                        out = new T(name, in.shape());
                    }
                }
                case "Softmax" -> {
                    if (!n.getOutput(0).equals(output)) {
                        throw refuse(file, n, "a softmax that is not the model's output");
                    }
                    out = in;
                }
                default -> throw refuse(file, n, "this op");
            }
            tensors.put(n.getOutput(0), out);
        }
        T result = tensors.get(output);
        if (result == null || lastDense == null || !result.vertex().equals(lastDense)) {
            throw new CompressionException("ONNX model " + file + " does not end in a dense layer (and an optional"
                    + " softmax), so it cannot become a classifier with a softmax output layer here");
        }
        // The last dense layer becomes the softmax output layer: rebuild its vertex.
        DenseLayer last = (DenseLayer) ((org.deeplearning4j.nn.conf.graph.LayerVertex) b.getVertices().get(lastDense))
                .getLayerConf().getLayer();
        List<String> lastInputs = b.getVertexInputs().get(lastDense);
        b.removeVertex(lastDense, false);
        b.addLayer(lastDense, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(last.getNIn())
                .nOut(last.getNOut()).activation(Activation.SOFTMAX).build(), lastInputs.toArray(new String[0]));
        b.setOutputs(lastDense);
        InputType it = InputType.convolutional(h, w, c);
        b.setInputTypes(it);
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        for (Object[] p : params) {
            INDArray target = g.getLayer((String) p[0]).getParam((String) p[1]);
            INDArray v = (INDArray) p[2];
            if (target.length() != v.length()) {
                throw new CompressionException("ONNX model " + file + ": " + p[0] + "." + p[1] + " has " + v.length()
                        + " values, the DL4J layer " + target.length());
            }
            target.assign(v.reshape('c', target.shape()).castTo(target.dataType()));
        }
        return new Lowered(g, new long[] {c, h, w});
    }

    private static CompressionException refuse(Path file, Onnx.NodeProto n, String what) {
        return new CompressionException("ONNX model " + file + ": node " + n.getName() + " (" + n.getOpType() + ") uses "
                + what + ", which has no DL4J layer here");
    }

    private static INDArray need(Map<String, INDArray> init, Onnx.NodeProto n, int i, Path file) {
        INDArray v = n.getInputCount() > i ? init.get(n.getInput(i)) : null;
        if (v == null) {
            throw refuse(file, n, "a weight that is not a stored tensor");
        }
        return v;
    }

    private static int[] ints(Map<String, Onnx.AttributeProto> a, String key, int... fallback) {
        Onnx.AttributeProto p = a.get(key);
        if (p == null) {
            return fallback;
        }
        if (p.getIntsCount() > 0) {
            return p.getIntsList().stream().mapToInt(Long::intValue).toArray();
        }
        return new int[] {(int) p.getI()};
    }

    private static int[] symmetricPads(Map<String, Onnx.AttributeProto> a, Onnx.NodeProto n, Path file) {
        if (a.containsKey("auto_pad") && !a.get("auto_pad").getS().toStringUtf8().equals("NOTSET")) {
            throw refuse(file, n, "auto_pad");
        }
        int[] p = ints(a, "pads", 0, 0, 0, 0);
        if (p.length != 4 || p[0] != p[2] || p[1] != p[3]) {
            throw refuse(file, n, "asymmetric padding " + java.util.Arrays.toString(p));
        }
        return new int[] {p[0], p[1]};
    }

    /** The ONNX file's protobuf; a clear error for one that is not readable or not ONNX. */
    public static Onnx.ModelProto parse(Path file) {
        try {
            return Onnx.ModelProto.parseFrom(Files.readAllBytes(file));
        } catch (IOException | RuntimeException e) {
            throw new CompressionException("cannot read ONNX model " + file + ": " + e.getMessage(), e);
        }
    }

    /** The values of a stored int8 or uint8 tensor as bytes (raw bytes, or int32_data as the format allows). */
    static byte[] bytes(Onnx.TensorProto t) {
        int type = t.getDataType();
        if (type != Onnx.TensorProto.DataType.INT8_VALUE && type != Onnx.TensorProto.DataType.UINT8_VALUE) {
            throw new CompressionException("ONNX tensor " + t.getName() + " has data type " + type
                    + " where int8 or uint8 was expected");
        }
        if (!t.getRawData().isEmpty()) {
            return t.getRawData().toByteArray();
        }
        byte[] v = new byte[t.getInt32DataCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (byte) t.getInt32Data(i);
        }
        return v;
    }

    /** A stored float tensor (raw little-endian bytes or float_data), or an int64 one (Reshape's shape). */
    public static INDArray tensor(Onnx.TensorProto t) {
        long[] shape = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        if (shape.length == 0) {
            shape = new long[] {1};
        }
        int n = (int) java.util.Arrays.stream(shape).reduce(1, (x, y) -> x * y);
        if (t.getDataType() == Onnx.TensorProto.DataType.FLOAT_VALUE) {
            float[] v = new float[n];
            if (!t.getRawData().isEmpty()) {
                t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            } else {
                for (int i = 0; i < n; i++) {
                    v[i] = t.getFloatData(i);
                }
            }
            return Nd4j.create(v, shape, 'c');
        }
        if (t.getDataType() == Onnx.TensorProto.DataType.INT64_VALUE) {
            long[] v = new long[n];
            if (!t.getRawData().isEmpty()) {
                ByteBuffer bb = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                bb.asLongBuffer().get(v);
            } else {
                for (int i = 0; i < n; i++) {
                    v[i] = t.getInt64Data(i);
                }
            }
            return Nd4j.createFromArray(v).reshape(shape);
        }
        throw new CompressionException("ONNX tensor " + t.getName() + " has data type " + t.getDataType()
                + " (float32 and int64 are read)");
    }
}
