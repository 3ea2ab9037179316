package org.jvmcompress.core.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.jvmcompress.core.util.AtomicFiles;
import org.jvmcompress.core.util.Json;

/** Saves a model as a DL4J zip plus its JSON sidecar; both appear together or not at all. */
public final class ModelStore {
    private ModelStore() {}

    public static void save(ComputationGraph graph, ModelInfo info, Path zip, boolean withUpdater) {
        Path sidecar = Models.sidecarOf(zip);
        Path dir = zip.toAbsolutePath().getParent();
        Path tmpZip = null;
        Path tmpJson = null;
        try {
            Files.createDirectories(dir);
            tmpZip = AtomicFiles.tempSibling(zip);
            tmpJson = AtomicFiles.tempSibling(sidecar);
            ModelSerializer.writeModel(graph, tmpZip.toFile(), withUpdater);
            if (info != null) {
                Files.writeString(tmpJson, Json.write(info));
                Files.move(tmpJson, sidecar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(tmpZip, zip, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save model to " + zip + ": " + e.getMessage(), e);
        } finally {
            AtomicFiles.deleteQuietly(tmpZip);
            AtomicFiles.deleteQuietly(tmpJson);
        }
    }

    /** Loads a checkpoint written by {@link #save} with its updater state, for resuming training. */
    public static ComputationGraph loadCheckpoint(Path zip) {
        return new Dl4jZipFormat().load(zip, true).graph();
    }
}
