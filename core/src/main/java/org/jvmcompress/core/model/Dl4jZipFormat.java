package org.jvmcompress.core.model;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.runtime.Backend;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J model zips as {@code ModelSerializer} writes them: {@code configuration.json} and {@code coefficients.bin}
 * (updater state is ignored). Read entry by entry, never with Java deserialization: the configuration is JSON and
 * the parameters are ND4J's binary array format. A MultiLayerNetwork is converted to a ComputationGraph.
 */
public final class Dl4jZipFormat implements ModelFormat {
    static final String CONFIG = "configuration.json";
    static final String PARAMS = "coefficients.bin";
    static final String UPDATER = "updaterState.bin";

    @Override
    public String name() {
        return "dl4j";
    }

    @Override
    public boolean accepts(Path file) {
        String n = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (n.endsWith(".zip")) {
            return true;
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(2);
            return b.length == 2 && b[0] == 'P' && b[1] == 'K';
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public LoadedModel load(Path file) {
        return load(file, false);
    }

    /**
     * Loads the model; with {@code withUpdater} also the optimiser state ({@code updaterState.bin}) that
     * {@code ModelSerializer} saves when asked, so that training resumes where it stopped.
     */
    public LoadedModel load(Path file, boolean withUpdater) {
        Backend.init();
        INDArray updaterState = null;
        String json;
        INDArray params;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry conf = zip.getEntry(CONFIG);
            if (conf == null) {
                throw new CompressionException("zip " + file + " has no " + CONFIG + ": not a DL4J model");
            }
            ZipEntry coef = zip.getEntry(PARAMS);
            if (coef == null) {
                throw new CompressionException("DL4J model " + file + " has no " + PARAMS + " (no weights)");
            }
            try (InputStream in = zip.getInputStream(conf)) {
                json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(zip.getInputStream(coef)))) {
                params = Nd4j.read(in);
            } catch (IOException | RuntimeException e) {
                throw new CompressionException("DL4J model " + file + ": " + PARAMS + " is corrupt or truncated ("
                        + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
            }
            ZipEntry upd = withUpdater ? zip.getEntry(UPDATER) : null;
            if (upd != null) {
                try (DataInputStream in = new DataInputStream(new BufferedInputStream(zip.getInputStream(upd)))) {
                    updaterState = Nd4j.read(in);
                }
            }
        } catch (ZipException e) {
            throw new CompressionException("model file " + file + " is not a readable zip (corrupt or truncated): "
                    + e.getMessage(), e);
        } catch (IOException e) {
            throw new CompressionException("cannot read model file " + file + ": " + e.getMessage(), e);
        }
        ComputationGraph graph = build(json, params, file);
        if (updaterState != null) {
            graph.getUpdater(true).setStateViewArray(updaterState);
        }
        return new LoadedModel(graph, Models.readSidecar(file), file, name());
    }

    private static ComputationGraph build(String json, INDArray params, Path file) {
        boolean isGraph = json.contains("\"vertices\"");
        try {
            if (isGraph) {
                ComputationGraphConfiguration c = ComputationGraphConfiguration.fromJson(json);
                long expected = 0;
                for (org.deeplearning4j.nn.conf.graph.GraphVertex v : c.getVertices().values()) {
                    if (v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv) {
                        expected += numParams(lv.getLayerConf());
                    }
                }
                checkCount(expected, params, file);
                ComputationGraph g = new ComputationGraph(c);
                g.init(params.reshape(1, params.length()), false);
                return g;
            }
            MultiLayerConfiguration c = MultiLayerConfiguration.fromJson(json);
            long expected = 0;
            for (org.deeplearning4j.nn.conf.NeuralNetConfiguration nc : c.getConfs()) {
                expected += numParams(nc);
            }
            checkCount(expected, params, file);
            MultiLayerNetwork net = new MultiLayerNetwork(c);
            net.init(params.reshape(1, params.length()), false);
            return net.toComputationGraph();
        } catch (CompressionException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CompressionException("DL4J model " + file + ": " + CONFIG + " is not a valid "
                    + (isGraph ? "ComputationGraph" : "MultiLayerNetwork") + " configuration: " + e.getMessage(), e);
        }
    }

    private static long numParams(org.deeplearning4j.nn.conf.NeuralNetConfiguration nc) {
        return nc.getLayer().initializer().numParams(nc);
    }

    private static void checkCount(long expected, INDArray params, Path file) {
        if (params.length() != expected) {
            throw new CompressionException("DL4J model " + file + ": " + PARAMS + " holds " + params.length()
                    + " parameters but the configuration needs " + expected);
        }
    }
}
