package org.jvmcompress.core.model.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.Models;
import org.jvmcompress.core.runtime.NamedActivations;
import org.jvmcompress.core.util.Json;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A PyTorch CNN exported by torch.onnx.export (src/test/resources/onnx/make_fixtures.py), imported through ND4J's
 * ONNX importer: its probabilities and its named intermediate result match PyTorch's to 1e-4 relative.
 */
class OnnxImportTest {
    @TempDir
    Path dir;

    static final Path FIXTURE = Path.of("src/test/resources/onnx/cnn.onnx");

    /** The fixture's stored inputs, [n, 1, 12, 12]. */
    static INDArray inputs(JsonNode expected) {
        float[] x = Json.MAPPER.convertValue(expected.path("inputs"), float[].class);
        return Nd4j.create(x, new long[] {x.length / 144, 1, 12, 12}, 'c');
    }

    static void close(INDArray got, float[] want, String what) {
        assertEquals(want.length, got.length(), what + " size");
        for (int i = 0; i < want.length; i++) {
            double a = got.getDouble(i);
            assertTrue(Math.abs(a - want[i]) <= 1e-6 + 1e-4 * Math.abs(want[i]),
                    what + " " + i + ": SameDiff " + a + ", PyTorch " + want[i]);
        }
    }

    @Test
    void pytorchExportRunsAndMatchesWithNamedFeatures() throws Exception {
        Path file = FIXTURE.toAbsolutePath();
        JsonNode e = Json.MAPPER.readTree(file.resolveSibling("cnn.expected.json").toFile());
        INDArray in = inputs(e);

        LoadedModel m = Models.load(file);
        assertEquals("onnx", m.format());
        assertEquals(null, m.graph(), "runs on SameDiff, not a DL4J network");
        assertEquals(80 + 1168 + 2570, m.numParams(), "batch norm folded into conv1 by the export");
        NamedActivations n = (NamedActivations) m.runtime();
        Map<String, INDArray> acts = n.activations(in, List.of("features"));
        close(acts.get("features"), Json.MAPPER.convertValue(e.path("features"), float[].class), "features");
        close(m.infer(in), Json.MAPPER.convertValue(e.path("outputs"), float[].class), "probability");
        assertTrue(acts.containsKey(n.outputName()));
        CompressionException unknown = assertThrows(CompressionException.class,
                () -> n.activations(in, List.of("no_such_layer")));
        assertTrue(unknown.getMessage().contains("no result named 'no_such_layer'"), unknown.getMessage());

        Path broken = dir.resolve("broken.onnx");
        Files.write(broken, java.util.Arrays.copyOf(Files.readAllBytes(file), 300));
        assertTrue(assertThrows(CompressionException.class, () -> Models.load(broken)).getMessage()
                .contains("ONNX model"));
    }

    /** The same export as DL4J layers (for quantisation): PyTorch's probabilities to 1e-4; other ops refused by name. */
    @Test
    void loweredToDl4jLayersMatchesPytorch() throws Exception {
        Path file = FIXTURE.toAbsolutePath();
        JsonNode e = Json.MAPPER.readTree(file.resolveSibling("cnn.expected.json").toFile());
        INDArray in = inputs(e);
        LoadedModel lowered = OnnxLowering.lower(Models.load(file));
        assertTrue(lowered.graph() != null);
        close(lowered.graph().outputSingle(false, in), Json.MAPPER.convertValue(e.path("outputs"), float[].class),
                "probability");
        assertEquals(80 + 1168 + 2570, lowered.graph().numParams());

        onnx.Onnx.ModelProto.Builder b = onnx.Onnx.ModelProto.parseFrom(Files.readAllBytes(file)).toBuilder();
        for (int i = 0; i < b.getGraph().getNodeCount(); i++) {
            if (b.getGraph().getNode(i).getOpType().equals("Relu")) {
                b.getGraphBuilder().setNode(i, b.getGraph().getNode(i).toBuilder().setOpType("Sigmoid"));
            }
        }
        Path other = dir.resolve("sigmoid.onnx");
        Files.write(other, b.build().toByteArray());
        CompressionException ex = assertThrows(CompressionException.class, () -> OnnxLowering.lower(other));
        assertTrue(ex.getMessage().contains("Sigmoid") && ex.getMessage().contains("supported: Conv"), ex.getMessage());
    }
}
