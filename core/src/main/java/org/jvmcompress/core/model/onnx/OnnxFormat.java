package org.jvmcompress.core.model.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import onnx.Onnx;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.ModelFormat;
import org.jvmcompress.core.model.Models;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.samediff.frameworkimport.onnx.OnnxImportGraph;
import org.nd4j.samediff.frameworkimport.onnx.importer.OnnxFrameworkImporter;
import org.nd4j.samediff.frameworkimport.onnx.ir.OnnxIRGraph;

/**
 * ONNX models (as {@code torch.onnx.export} writes them), imported with ND4J's ONNX importer into SameDiff. Names
 * with ':' (PyTorch's {@code onnx::Conv_22}) are renamed ('_') first, since SameDiff reserves ':' for output
 * indices. The model's first input takes the task's data as is (PyTorch image models are channels-first, like this
 * suite's data); its first output gives the class probabilities (softmax applied when the output is not a
 * probability distribution, i.e. logits). The loaded model has no DL4J network: it runs through its runtime.
 */
public final class OnnxFormat implements ModelFormat {
    private static OnnxFrameworkImporter importer;

    @Override
    public String name() {
        return "onnx";
    }

    @Override
    public boolean accepts(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
    }

    private static synchronized OnnxFrameworkImporter importer() {
        if (importer == null) {
            importer = new OnnxFrameworkImporter();
        }
        return importer;
    }

    static String clean(String name) {
        return name.replace(':', '_');
    }

    @Override
    public LoadedModel load(Path file) {
        Onnx.ModelProto model;
        try {
            model = Onnx.ModelProto.parseFrom(Files.readAllBytes(file));
        } catch (IOException | RuntimeException e) {
            throw new CompressionException("cannot read ONNX model " + file + " (corrupt or not ONNX?): " + e.getMessage(), e);
        }
        if (model.getGraph().getNodeCount() == 0) {
            throw new CompressionException("ONNX model " + file + " has an empty graph (corrupt or not ONNX?)");
        }
        Map<String, String> renamed = new HashMap<>();
        Onnx.GraphProto.Builder g = model.getGraph().toBuilder();
        long params = 0;
        for (int i = 0; i < g.getInitializerCount(); i++) {
            Onnx.TensorProto.Builder t = g.getInitializerBuilder(i);
            t.setName(rename(t.getName(), renamed));
            long n = 1;
            for (long d : t.getDimsList()) {
                n *= d;
            }
            params += n;
        }
        for (int i = 0; i < g.getNodeCount(); i++) {
            Onnx.NodeProto.Builder n = g.getNodeBuilder(i);
            for (int j = 0; j < n.getInputCount(); j++) {
                n.setInput(j, rename(n.getInput(j), renamed));
            }
            for (int j = 0; j < n.getOutputCount(); j++) {
                n.setOutput(j, rename(n.getOutput(j), renamed));
            }
            n.setName(rename(n.getName(), renamed));
        }
        for (int i = 0; i < g.getInputCount(); i++) {
            g.getInputBuilder(i).setName(rename(g.getInput(i).getName(), renamed));
        }
        for (int i = 0; i < g.getOutputCount(); i++) {
            g.getOutputBuilder(i).setName(rename(g.getOutput(i).getName(), renamed));
        }
        for (int i = 0; i < g.getValueInfoCount(); i++) {
            g.getValueInfoBuilder(i).setName(rename(g.getValueInfo(i).getName(), renamed));
        }
        splitGemmBias(g, file);
        Onnx.GraphProto graph = g.build();
        java.util.Set<String> initializers = new java.util.HashSet<>();
        graph.getInitializerList().forEach(t -> initializers.add(t.getName()));
        Onnx.ValueInfoProto in = graph.getInputList().stream().filter(v -> !initializers.contains(v.getName()))
                .findFirst().orElseThrow(() -> new CompressionException("ONNX model " + file + " has no input"));
        String output = graph.getOutput(0).getName();
        SameDiff sd;
        try {
            OnnxFrameworkImporter imp = importer();
            sd = new OnnxImportGraph().importGraph(new OnnxIRGraph(graph, imp.getRegistry()), null, null,
                    new HashMap<>(), imp.getRegistry());
        } catch (RuntimeException e) {
            throw new CompressionException("cannot import ONNX model " + file + " into SameDiff: " + e.getMessage(), e);
        }
        // Probe with one example of the declared input shape: logits or probabilities?
        long[] shape = in.getType().getTensorType().getShape().getDimList().stream()
                .mapToLong(d -> d.hasDimValue() && d.getDimValue() > 0 ? d.getDimValue() : 1).toArray();
        INDArray probe = Nd4j.rand(DataType.FLOAT, shape);
        INDArray y;
        try {
            y = sd.output(Map.of(in.getName(), probe), output).get(output);
        } catch (RuntimeException e) {
            throw new CompressionException("ONNX model " + file + " does not run in SameDiff: " + e.getMessage(), e);
        }
        boolean probabilities = y.minNumber().doubleValue() >= 0
                && Math.abs(y.sum(1).getDouble(0) - 1) < 1e-3;
        OnnxModel m = new OnnxModel(sd, in.getName(), output, !probabilities, params, renamed);
        return new LoadedModel(null, Models.readSidecar(file), file, name(), m,
                "SameDiff (ONNX import)" + (probabilities ? "" : ", softmax of its logits"));
    }

    /**
     * ND4J 1.0.0-M2.1 imports ONNX Gemm as a matrix product and drops its bias (C): checked against PyTorch on the
     * test fixture. Each Gemm with a bias becomes Gemm(A, B) followed by Add(., C), which it imports correctly.
     */
    static void splitGemmBias(Onnx.GraphProto.Builder g, Path file) {
        java.util.List<Onnx.NodeProto> nodes = new java.util.ArrayList<>();
        for (Onnx.NodeProto n : g.getNodeList()) {
            if (!n.getOpType().equals("Gemm") || n.getInputCount() < 3 || n.getInput(2).isEmpty()) {
                nodes.add(n);
                continue;
            }
            for (Onnx.AttributeProto a : n.getAttributeList()) {
                if (a.getName().equals("beta") && a.getF() != 1f) {
                    throw new CompressionException("ONNX model " + file + ": Gemm node " + n.getName() + " has beta "
                            + a.getF() + " (1 only)");
                }
            }
            String out = n.getOutput(0);
            Onnx.NodeProto.Builder product = n.toBuilder().clearInput().addInput(n.getInput(0)).addInput(n.getInput(1))
                    .clearOutput().addOutput(out + "__product");
            for (int i = product.getAttributeCount() - 1; i >= 0; i--) {
                if (product.getAttribute(i).getName().equals("beta")) {
                    product.removeAttribute(i);
                }
            }
            nodes.add(product.build());
            nodes.add(Onnx.NodeProto.newBuilder().setOpType("Add").setName(n.getName() + "__bias")
                    .addInput(out + "__product").addInput(n.getInput(2)).addOutput(out).build());
        }
        g.clearNode().addAllNode(nodes);
    }

    private static String rename(String name, Map<String, String> renamed) {
        String c = clean(name);
        if (!c.equals(name)) {
            renamed.put(name, c);
        }
        return c;
    }
}
