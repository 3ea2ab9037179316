package org.jvmcompress.core.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.util.Json;

/**
 * Loads "a model" from a path, whatever its format: the registry of {@link ModelFormat}s. Every format but the DL4J
 * zip (Keras and ONNX here, the quantised {@code .jcq} in quantize) is found through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/org.jvmcompress.core.model.ModelFormat}), so that every caller reads every format on the
 * class path; a DL4J zip is asked last.
 */
public final class Models {
    private static final List<ModelFormat> FORMATS = new ArrayList<>(List.of(new Dl4jZipFormat()));

    static {
        for (ModelFormat f : java.util.ServiceLoader.load(ModelFormat.class, Models.class.getClassLoader())) {
            register(f);
        }
    }

    private Models() {}

    /**
     * Adds a format: registered formats are more specific than a DL4J zip, so they are asked before it, in the order
     * they were registered. Formats on the class path register themselves through the service file.
     */
    public static synchronized void register(ModelFormat f) {
        if (FORMATS.stream().noneMatch(x -> x.name().equals(f.name()))) {
            FORMATS.add(FORMATS.size() - 1, f);
        }
    }

    public static synchronized List<String> formatNames() {
        return FORMATS.stream().map(ModelFormat::name).collect(Collectors.toList());
    }

    public static LoadedModel load(Path file) {
        if (!Files.exists(file)) {
            throw new CompressionException("model file not found: " + file);
        }
        if (!Files.isRegularFile(file)) {
            throw new CompressionException("model path is not a file: " + file);
        }
        List<ModelFormat> snapshot;
        synchronized (Models.class) {
            snapshot = List.copyOf(FORMATS);
        }
        for (ModelFormat f : snapshot) {
            if (f.accepts(file)) {
                return decorate(f.load(file));
            }
        }
        throw new CompressionException("unrecognised model file " + file + "; supported formats: "
                + String.join(", ", formatNames()));
    }

    /** The sidecar key of a model that runs on a pretrained encoder's embeddings (its value: the encoder's name). */
    public static final String ENCODER = "encoder";

    /**
     * The model as its sidecar says it runs: a {@link ModelDecorator} on the class path may put another computation
     * in front of the network (a pretrained encoder, for a head trained on its embeddings). A sidecar that names an
     * encoder no decorator provides is refused rather than run on the wrong input.
     */
    private static LoadedModel decorate(LoadedModel m) {
        for (ModelDecorator d : java.util.ServiceLoader.load(ModelDecorator.class, Models.class.getClassLoader())) {
            LoadedModel out = d.decorate(m);
            if (out != m) {
                return out;
            }
        }
        Object enc = m.info() == null || m.info().runtime() == null ? null : m.info().runtime().get(ENCODER);
        if (enc != null) {
            throw new CompressionException("model " + m.path() + " is a head on the pretrained encoder " + enc
                    + ", and no encoder runtime is on the class path to run it");
        }
        return m;
    }

    /** The sidecar path of a model file: same name, extension .json. */
    public static Path sidecarOf(Path model) {
        String name = model.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        return model.resolveSibling(base + ".json");
    }

    /** The sidecar of a model file, or null when there is none. */
    public static ModelInfo readSidecar(Path model) {
        Path s = sidecarOf(model);
        return Files.isRegularFile(s) ? Json.read(s, ModelInfo.class, "model sidecar") : null;
    }
}
