package org.jvmcompress.core.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.CompressionException;

/** Records read from users' JSON files: an error names the key and the value in JSON's words, not Java's types. */
class JsonReadTest {
    @TempDir
    Path dir;

    record Shape(String name, long[] dims, List<String> labels, Inner inner) {}

    record Inner(double scale) {}

    private String error(String json) throws Exception {
        Path f = dir.resolve("s.json");
        Files.writeString(f, json);
        return assertThrows(CompressionException.class, () -> Json.read(f, Shape.class, "model sidecar")).getMessage();
    }

    @Test
    void wrongTypesAreNamedByKey() throws Exception {
        Path f = dir.resolve("ok.json");
        Files.writeString(f, "{\"name\": \"a\", \"dims\": [1, 28], \"labels\": [\"x\"], \"inner\": {\"scale\": 0.5}}");
        assertEquals(28, Json.read(f, Shape.class, "model sidecar").dims()[1]);
        assertTrue(error("{\"dims\": \"28x28\"}").endsWith("key 'dims' must be a list, got a string (\"28x28\")"),
                error("{\"dims\": \"28x28\"}"));
        String labels = error("{\"labels\": {\"a\": 1}}");
        assertTrue(labels.endsWith("key 'labels' must be a list, got an object") && !labels.contains("java."), labels);
        String inner = error("{\"inner\": {\"scale\": [1]}}");
        assertTrue(inner.endsWith("key 'inner.scale' must be a number, got a list"), inner);
    }

    @Test
    void brokenOrBinaryFilesSayWhy() throws Exception {
        assertTrue(error("{\"name\": ").contains("is not valid JSON"), error("{\"name\": "));
        Path f = dir.resolve("bin.json");
        Files.write(f, new byte[] {'{', (byte) 0xff, (byte) 0xfe, 0, '}'});
        String bin = assertThrows(CompressionException.class, () -> Json.read(f, Shape.class, "model sidecar")).getMessage();
        assertTrue(!bin.contains("\u00ff") && !bin.contains("\ufffd"), "the bytes are not echoed: " + bin);
    }
}
