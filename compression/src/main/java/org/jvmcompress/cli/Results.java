package org.jvmcompress.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.util.Json;

/** Results files: a JSON object whose keys are filled in by separate runs. */
final class Results {
    private Results() {}

    static void merge(Path file, String key, Map<String, Object> entry) {
        ObjectNode root;
        try {
            root = Files.isRegularFile(file) ? (ObjectNode) Json.MAPPER.readTree(file.toFile())
                    : Json.MAPPER.createObjectNode();
        } catch (IOException | ClassCastException e) {
            throw new CompressionException("results file " + file + " is not a JSON object: " + e.getMessage(), e);
        }
        root.set(key, Json.MAPPER.valueToTree(entry));
        Json.writeFile(file, root);
        System.err.println("recorded " + key + " in " + file);
    }
}
