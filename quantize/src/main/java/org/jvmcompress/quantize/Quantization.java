package org.jvmcompress.quantize;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.ModelInfo;
import org.jvmcompress.core.model.Models;
import org.jvmcompress.core.runtime.Backend;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.util.Hashing;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.core.task.TrainConfig;

/** Quantises a model file into a {@code .jcq} file with its sidecar: the one path of the command and the benchmark. */
public final class Quantization {
    /** The written file, the loaded result, and the sensitivity analysis (mixed mode; else null). */
    public record Result(Path file, LoadedModel model, Sensitivity.Result sensitivity) {}

    private Quantization() {}

    /**
     * @param budget the accuracy the mixed mode may lose on the validation split (fraction)
     */
    public static Result run(LoadedModel source, TaskData data, Quantizer.Settings s, double budget, Path out,
                             String command) {
        if (source.info() == null) {
            throw new CompressionException("model " + source.path() + " has no sidecar (.json); quantisation needs its"
                    + " task and data to calibrate");
        }
        QuantizedModel q;
        Sensitivity.Result sens = null;
        if (s.quantMode().floatLayersBySensitivity()) {
            sens = Sensitivity.mixed(source.graph(), data.train(), data.validation(), s, budget);
            q = sens.mixed();
        } else {
            q = Quantizer.quantize(source.graph(), data.train(), s);
        }
        return new Result(out, save(q, source, out, command), sens);
    }

    /** Writes a quantised model with a sidecar made from its float source's, and loads it back to run. */
    public static LoadedModel save(QuantizedModel q, LoadedModel source, Path out, String command) {
        Map<String, Object> prov = new LinkedHashMap<>();
        prov.put("source", source.path().toString());
        prov.put("sourceSha256", Hashing.sha256(source.path()));
        prov.put("command", command);
        prov.put("created", Instant.now().toString());
        JcqFile.write(out, q, prov);
        ModelInfo si = source.info();
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("quantizedFrom", source.path().toString());
        Map<String, Object> settings = new LinkedHashMap<>(q.settings());
        settings.remove("sensitivity");
        training.put("quantization", settings);
        if (command != null) {
            training.put("command", command);
        }
        ModelInfo info = new ModelInfo(ModelInfo.SCHEMA, si.task(), si.architecture(), si.labels(), si.inputShape(),
                si.input(), si.preprocessing(), si.vocabulary(), training, si.seed(), si.dataHash(), Backend.describe(),
                Instant.now().toString(), si.split(), si.data());
        Json.writeFile(Models.sidecarOf(out), info);
        return q.load(out, info);
    }

    /**
     * Quantisation-aware training of a float model (cross-entropy on its task's labels) and export to int8.
     */
    public static LoadedModel qat(LoadedModel source, TaskData data, Quantizer.Settings s, TrainConfig c, Path runDir,
                                  Path out, String command) {
        Qat.Prepared p = Qat.prepare(source.graph(), data, s);
        QuantizedModel q = Qat.train(p, data, data, c, s, runDir, g -> g);
        return save(q, source, out, command);
    }
}
