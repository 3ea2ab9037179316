package org.jvmcompress.core.model.keras;

import com.fasterxml.jackson.databind.JsonNode;
import io.jhdf.HdfFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.ModelFormat;
import org.jvmcompress.core.model.Models;
import org.jvmcompress.core.util.Json;

/**
 * Keras 3 models: the {@code .keras} archive (config.json, metadata.json, model.weights.h5) and the legacy
 * {@code .h5} file (attribute {@code model_config}, group {@code model_weights}), both read in memory (the HDF5 parts
 * with the pure-Java jHDF), imported by {@link KerasImporter}. A sidecar JSON beside the file, when there is one,
 * names the task and labels as for any model.
 */
public final class KerasFormat implements ModelFormat {
    @Override
    public String name() {
        return "keras";
    }

    @Override
    public boolean accepts(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".keras") || n.endsWith(".h5") || n.endsWith(".hdf5");
    }

    @Override
    public LoadedModel load(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        ComputationGraph g;
        try {
            g = n.endsWith(".keras") ? archive(file) : legacy(file);
        } catch (CompressionException e) {
            throw new CompressionException("cannot import Keras model " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new CompressionException("cannot import Keras model " + file + " (corrupt or not a Keras 3 file?): "
                    + e, e);
        }
        return new LoadedModel(g, Models.readSidecar(file), file, name());
    }

    private static ComputationGraph archive(Path file) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream z = new ZipInputStream(Files.newInputStream(file))) {
            ZipEntry e;
            while ((e = z.getNextEntry()) != null) {
                entries.put(e.getName(), z.readAllBytes());
            }
        } catch (IOException e) {
            throw new CompressionException("not a readable .keras archive: " + e.getMessage(), e);
        }
        for (String need : new String[] {"config.json", "model.weights.h5"}) {
            if (!entries.containsKey(need)) {
                throw new CompressionException("the archive has no " + need + " (entries: " + entries.keySet() + ")");
            }
        }
        if (entries.containsKey("metadata.json")) {
            checkVersion(tree(entries.get("metadata.json"), "metadata.json").path("keras_version").asText(""));
        }
        JsonNode config = tree(entries.get("config.json"), "config.json");
        try (HdfFile h5 = HdfFile.fromBytes(entries.get("model.weights.h5"))) {
            return KerasImporter.build(config, KerasWeights.archive(h5));
        }
    }

    private static ComputationGraph legacy(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(8);
            if (head.length < 8 || head[0] != (byte) 0x89 || head[1] != 'H' || head[2] != 'D' || head[3] != 'F') {
                throw new CompressionException("not an HDF5 file");
            }
        } catch (IOException e) {
            throw new CompressionException(e.getMessage(), e);
        }
        try (HdfFile h5 = new HdfFile(file)) {
            var version = h5.getAttribute("keras_version");
            checkVersion(version == null ? "" : String.valueOf(version.getData()));
            var cfg = h5.getAttribute("model_config");
            if (cfg == null) {
                throw new CompressionException("the HDF5 file has no model_config attribute (weights only?)");
            }
            Object v = cfg.getData();
            String json = v instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(v);
            return KerasImporter.build(tree(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), "model_config"),
                    KerasWeights.legacy(h5));
        }
    }

    private static void checkVersion(String v) {
        if (!v.isEmpty() && !v.startsWith("3.")) {
            throw new CompressionException("written by Keras " + v + "; this importer reads Keras 3 files (DL4J's own"
                    + " KerasModelImport reads Keras 1 and 2)");
        }
    }

    private static JsonNode tree(byte[] b, String what) {
        try {
            return Json.MAPPER.readTree(b);
        } catch (IOException e) {
            throw new CompressionException(what + " is not valid JSON: " + e.getMessage(), e);
        }
    }
}
