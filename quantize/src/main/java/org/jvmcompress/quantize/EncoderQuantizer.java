package org.jvmcompress.quantize;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import onnx.Onnx;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.model.onnx.BertEncoder;
import org.jvmcompress.core.model.onnx.OnnxLowering;
import org.jvmcompress.core.util.AtomicFiles;
import org.jvmcompress.core.util.Matrices;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.protobuf.ByteString;

/**
 * The suite's int8 of a float BERT export, written as ONNX in the operators ONNX Runtime's dynamic quantisation
 * uses (so the file runs there too, and the suite reads it back as {@link BertEncoder.Int8} projections): every
 * MatMul by a stored weight becomes DynamicQuantizeLinear of its input (uint8, the input's own range, once per
 * input), MatMulInteger by per-column symmetric int8 weights, and the product scaled back by input scale x column
 * scale; every embedding table is stored as uint8 with one scale and zero point and dequantised after its Gather.
 * Node names follow that tool's ({@code <MatMul>_quant}, {@code _quant_scales_mul}), which the reader relies on.
 */
public final class EncoderQuantizer {
    private EncoderQuantizer() {}

    /** What was written: the counts of quantised products and tables. */
    public record Written(Path file, int products, int tables, long bytes) {}

    /** Reads the float export {@code source}, writes its int8 to {@code target} (via a temporary file: whole or none). */
    public static Written write(Path source, Path target) {
        return write(source, target, 127);
    }

    /** As {@link #write(Path, Path)} with weight codes in [-maxCode, maxCode] (63: 7-bit weights, "reduce range"). */
    public static Written write(Path source, Path target, int maxCode) {
        Onnx.ModelProto model = OnnxLowering.parse(source);
        Onnx.GraphProto g = model.getGraph();
        BertEncoder.read(source, g); // refuses anything that is not a BERT export, before any work
        Map<String, Onnx.TensorProto> init = new HashMap<>();
        g.getInitializerList().forEach(t -> init.put(t.getName(), t));
        Set<String> replaced = new HashSet<>();
        List<Onnx.TensorProto> added = new ArrayList<>();
        Set<String> quantisedInputs = new HashSet<>();
        List<Onnx.NodeProto> nodes = new ArrayList<>();
        int products = 0;
        int tables = 0;
        for (Onnx.NodeProto n : g.getNodeList()) {
            Onnx.TensorProto w = n.getInputCount() == 2 ? init.get(n.getInput(1)) : null;
            if (n.getOpType().equals("MatMul") && w != null && w.getDimsCount() == 2
                    && w.getDataType() == Onnx.TensorProto.DataType.FLOAT_VALUE) {
                products++;
                String x = n.getInput(0);
                String out = n.getOutput(0);
                String base = n.getName();
                if (quantisedInputs.add(x)) {
                    nodes.add(node("DynamicQuantizeLinear", x + "_QuantizeLinear", List.of(x),
                            List.of(x + "_quantized", x + "_scale", x + "_zero_point")));
                }
                if (replaced.add(w.getName())) {
                    INDArray wf = OnnxLowering.tensor(w);
                    BertEncoder.Int8 q = BertEncoder.Int8.quantize(wf, Nd4j.zeros(DataType.FLOAT, 1, wf.size(1)), false,
                            maxCode);
                    added.add(bytes(w.getName() + "_quantized", Onnx.TensorProto.DataType.INT8_VALUE,
                            new long[] {q.in(), q.out()}, q.codes()));
                    added.add(floats(w.getName() + "_scale", new long[] {q.out()}, q.scales()));
                    added.add(bytes(w.getName() + "_zero_point", Onnx.TensorProto.DataType.INT8_VALUE,
                            new long[] {q.out()}, new byte[q.out()]));
                }
                nodes.add(node("MatMulInteger", base + "_quant", List.of(x + "_quantized", w.getName() + "_quantized",
                        x + "_zero_point", w.getName() + "_zero_point"), List.of(out + "_quantized")));
                nodes.add(node("Cast", base + "_quant_cast", List.of(out + "_quantized"), List.of(out + "_cast"))
                        .toBuilder().addAttribute(Onnx.AttributeProto.newBuilder().setName("to")
                                .setType(Onnx.AttributeProto.AttributeType.INT)
                                .setI(Onnx.TensorProto.DataType.FLOAT_VALUE)).build());
                nodes.add(node("Mul", base + "_quant_scales_mul", List.of(x + "_scale", w.getName() + "_scale"),
                        List.of(base + "_quant_scales_mul:0")));
                nodes.add(node("Mul", base + "_quant_output_scale_mul", List.of(out + "_cast",
                        base + "_quant_scales_mul:0"), List.of(out)));
                continue;
            }
            Onnx.TensorProto table = n.getInputCount() == 2 ? init.get(n.getInput(0)) : null;
            if (n.getOpType().equals("Gather") && table != null && table.getDimsCount() == 2
                    && table.getDataType() == Onnx.TensorProto.DataType.FLOAT_VALUE) {
                tables++;
                String t = table.getName();
                String out = n.getOutput(0);
                if (replaced.add(t)) {
                    added.addAll(uint8Table(t, OnnxLowering.tensor(table)));
                }
                nodes.add(n.toBuilder().setInput(0, t + "_quantized").setOutput(0, out + "_quantized").build());
                nodes.add(node("DequantizeLinear", out + "_DequantizeLinear", List.of(out + "_quantized",
                        t + "_scale", t + "_zero_point"), List.of(out)));
                continue;
            }
            nodes.add(n);
        }
        if (products == 0) {
            throw new CompressionException("ONNX model " + source + " has no float MatMul by a stored weight to quantise");
        }
        Onnx.GraphProto.Builder gb = g.toBuilder().clearNode().addAllNode(nodes).clearInitializer();
        g.getInitializerList().stream().filter(t -> !replaced.contains(t.getName())).forEach(gb::addInitializer);
        gb.addAllInitializer(added);
        Onnx.ModelProto out = model.toBuilder().setGraph(gb).setProducerName("jvm-compression")
                .setProducerVersion("int8 (dynamic uint8 inputs, per-column int8 weights up to " + maxCode
                        + ", uint8 tables)").build();
        AtomicFiles.writeStream(target, out::writeTo);
        try {
            return new Written(target, products, tables, Files.size(target));
        } catch (IOException e) {
            throw new CompressionException("cannot read " + target + " back: " + e.getMessage(), e);
        }
    }

    /** A table as uint8 over its own range with one scale and zero point (as ONNX DynamicQuantizeLinear's grid). */
    private static List<Onnx.TensorProto> uint8Table(String name, INDArray table) {
        float[] v = Matrices.floats(table);
        float[] grid = BertEncoder.Int8.inputGrid(v);
        byte[] codes = BertEncoder.Int8.codes(v, grid);
        return List.of(bytes(name + "_quantized", Onnx.TensorProto.DataType.UINT8_VALUE, table.shape(), codes),
                floats(name + "_scale", new long[0], new float[] {grid[0]}),
                bytes(name + "_zero_point", Onnx.TensorProto.DataType.UINT8_VALUE, new long[0],
                        new byte[] {(byte) grid[1]}));
    }

    private static Onnx.NodeProto node(String op, String name, List<String> in, List<String> out) {
        return Onnx.NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in).addAllOutput(out).build();
    }

    private static Onnx.TensorProto bytes(String name, int type, long[] dims, byte[] data) {
        Onnx.TensorProto.Builder b = Onnx.TensorProto.newBuilder().setName(name).setDataType(type)
                .setRawData(ByteString.copyFrom(data));
        for (long d : dims) {
            b.addDims(d);
        }
        return b.build();
    }

    private static Onnx.TensorProto floats(String name, long[] dims, float[] data) {
        ByteBuffer bb = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(data);
        Onnx.TensorProto.Builder b = Onnx.TensorProto.newBuilder().setName(name)
                .setDataType(Onnx.TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(bb.array()));
        for (long d : dims) {
            b.addDims(d);
        }
        return b.build();
    }
}
