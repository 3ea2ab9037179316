package org.jvmcompress.core.model.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.Models;
import org.jvmcompress.core.util.Json;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Keras 3 fixtures (made by src/test/resources/keras/make_fixtures.py with Keras 3.15) imported into DL4J: the outputs
 * on the stored inputs match what Keras computed, to 1e-4 relative.
 */
class KerasImportTest {
    @TempDir
    Path dir;

    static Path fixture(String name) {
        return Path.of("src/test/resources/keras", name).toAbsolutePath();
    }

    /** The stored inputs in DL4J's layout (images channels-first) and Keras' outputs. */
    static INDArray[] reference(String name) throws Exception {
        JsonNode e = Json.MAPPER.readTree(fixture(name + ".expected.json").toFile());
        long[] shape = Json.MAPPER.convertValue(e.path("input_shape"), long[].class);
        float[] x = Json.MAPPER.convertValue(e.path("inputs"), float[].class);
        float[] y = Json.MAPPER.convertValue(e.path("outputs"), float[].class);
        long n = x.length / Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        long[] full = new long[shape.length + 1];
        full[0] = n;
        System.arraycopy(shape, 0, full, 1, shape.length);
        INDArray in = Nd4j.create(x, full, 'c');
        if (shape.length == 3) {
            in = in.permute(0, 3, 1, 2).dup('c');
        }
        return new INDArray[] {in, Nd4j.create(y, new long[] {n, y.length / n}, 'c')};
    }

    @ParameterizedTest
    @CsvSource({"cnn,keras", "cnn,h5", "residual-cnn,keras", "residual-cnn,h5", "text-lstm,keras", "text-lstm,h5",
        "text-gru,keras", "text-gru,h5"})
    void outputsMatchKeras(String name, String ext) throws Exception {
        LoadedModel m = Models.load(fixture(name + "." + ext));
        assertEquals("keras", m.format());
        INDArray[] ref = reference(name);
        INDArray out = m.graph().outputSingle(false, ref[0].castTo(DataType.FLOAT));
        assertTrue(Arrays.equals(ref[1].shape(), out.shape()), Arrays.toString(out.shape()));
        for (long i = 0; i < out.length(); i++) {
            double a = out.getDouble(i);
            double b = ref[1].getDouble(i);
            assertTrue(Math.abs(a - b) <= 1e-6 + 1e-4 * Math.abs(b),
                    name + "." + ext + " output " + i + ": DL4J " + a + ", Keras " + b + "\n" + out + "\n" + ref[1]);
        }
    }

    @Test
    void unsupportedLayersAndBadFilesAreNamed() throws Exception {
        CompressionException e = assertThrows(CompressionException.class, () -> Models.load(fixture("unsupported.keras")));
        assertTrue(e.getMessage().contains("layer_normalization (LayerNormalization): not supported")
                        && e.getMessage().contains("supported layers: InputLayer, Dense"),
                e.getMessage());
        Path broken = dir.resolve("broken.keras");
        byte[] b = Files.readAllBytes(fixture("cnn.keras"));
        Files.write(broken, Arrays.copyOf(b, b.length / 3));
        assertTrue(assertThrows(CompressionException.class, () -> Models.load(broken)).getMessage()
                .contains("cannot import Keras model"));
        Path notH5 = dir.resolve("x.h5");
        Files.writeString(notH5, "hello");
        assertTrue(assertThrows(CompressionException.class, () -> Models.load(notH5)).getMessage()
                .contains("not an HDF5 file"));
    }
}
