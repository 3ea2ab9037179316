package org.jvmcompress.bench;

import org.jvmcompress.distill.DistillRecipes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.eval.EvaluationReport;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.util.AtomicFiles;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.quantize.Quantization;
import org.jvmcompress.quantize.Quantizer;

/**
 * Quantisation modes x models on the real data: accuracy on the test split, bytes on disk, throughput at batch 256
 * and latency at batch 1. Each finished cell leaves a record {@code <cells>/<task>/<role>/<mode>.json} (committed,
 * skipped when present); {@link #aggregate} writes the results JSON and a Markdown table.
 */
public final class QuantizationBenchmark {
    /** One finished cell. */
    public record Cell(String task, String role, String mode, double acc, long bytes, double ratio,
                       double b256SamplesPerS, double b1Ms, String runtime, String file, Map<String, Object> settings,
                       String measured) {}

    public static final List<String> MODES = List.of("float", "int8-per-tensor", "int8-per-channel", "fp16",
            "int4-weight", "mixed", "qat", "quantized-student", "quantized-student-t4");

    /**
     * QAT fine-tuning: epochs (one for teachers, whose epochs cost most) and learning rate (Adam, fresh state, a
     * tenth of the models' initial rate). A first run here fine-tuned, by mistake, at the models' own initial rate
     * (1e-3, their schedule restarting): that cost the converged CV models 0.5-1.3 points on validation.
     */
    public static final int QAT_EPOCHS = 2;
    public static final int QAT_EPOCHS_TEACHER = 1;

    private QuantizationBenchmark() {}

    public static Path cellRecord(Path cells, String task, String role, String mode) {
        return cells.resolve(task).resolve(role).resolve(mode + ".json");
    }

    /**
     * @param teacher the task's teacher (the quantised student distils from it); may be null for other modes
     */
    public static Cell run(LoadedModel model, LoadedModel teacher, String role, TaskData data, String mode,
                           double budget, Path out, Path cells, Path cacheDir, String command, boolean speed) {
        String task = data.task();
        Path record = cellRecord(cells, task, role, mode);
        if (Files.isRegularFile(record)) {
            return Json.read(record, Cell.class, "benchmark cell");
        }
        LoadedModel m;
        Map<String, Object> settings;
        String runtime;
        if (mode.equals("float")) {
            m = model;
            settings = Map.of("mode", "float");
            runtime = "DL4J float";
        } else if (mode.equals("qat") || mode.startsWith("quantized-student")) {
            Path dir = out.resolve(task).resolve(role).resolve(mode);
            Quantizer.Settings s = Quantizer.Settings.of("int8-per-channel");
            org.jvmcompress.core.task.Task t = org.jvmcompress.core.task.Tasks.get(task);
            org.jvmcompress.core.task.TrainConfig d = t.defaultConfig();
            String arch = model.info().architecture();
            int qatEpochs = role.equals("teacher") ? QAT_EPOCHS_TEACHER : QAT_EPOCHS;
            org.jvmcompress.core.task.TrainConfig qat = org.jvmcompress.quantize.Qat.config(t, arch, qatEpochs, org.jvmcompress.quantize.Qat.LR, 1);
            if (mode.equals("qat")) {
                m = Quantization.qat(model, data, s, qat, dir, dir.resolve("model.jcq"), command);
            } else {
                if (teacher == null) {
                    throw new CompressionException("the quantised student needs the task's teacher");
                }
                org.jvmcompress.core.task.TrainConfig f = new org.jvmcompress.core.task.TrainConfig(arch, 15,
                        d.batchSize(), d.learningRate(), d.lrDecay(), 3, 0, 1, 0);
                // The check of "high temperatures hurt low-bit students": the same run at T = 4.
                org.jvmcompress.distill.OfflineDistiller.Method kd = mode.endsWith("-t4")
                        ? new org.jvmcompress.distill.OfflineDistiller.Method("kd", 4, DistillRecipes.kd(task).alpha())
                        : DistillRecipes.kd(task);
                m = org.jvmcompress.pipeline.QuantizedStudent.make(teacher, t, data, kd, f, qat, s, dir, dir.resolve("student.jcq"),
                        cacheDir, command);
            }
            settings = new LinkedHashMap<>(m.info().training());
            runtime = m.runtimeName();
        } else {
            if (!Quantizer.MODES.contains(mode)) {
                throw new CompressionException("unknown quantisation mode '" + mode + "'; known: float, "
                        + String.join(", ", Quantizer.MODES));
            }
            Path file = out.resolve(task).resolve(role).resolve(mode + ".jcq");
            Quantization.Result r = Quantization.run(model, data, Quantizer.Settings.of(mode), budget, file, command);
            m = r.model();
            settings = new LinkedHashMap<>(m.info().training());
            runtime = m.runtimeName();
        }
        EvaluationReport rep = Evaluator.evaluate(m, data, speed ? Evaluator.SpeedSettings.DEFAULT
                : Evaluator.SpeedSettings.NONE, null);
        long floatBytes = size(model.path());
        long bytes = size(m.path());
        Cell c = new Cell(task, role, mode, rep.metrics().accuracy(), bytes, floatBytes / (double) bytes,
                speed ? rep.speed().throughputSamplesPerS() : Double.NaN, speed ? rep.speed().p50Ms() : Double.NaN,
                runtime, m.path().toString(), settings, speed ? java.time.Instant.now().toString() : null);
        Json.writeFile(record, c);
        return c;
    }

    /**
     * Measures the speed of every finished cell again, one after the other in this sitting, so that the figures
     * compare (cells may have been trained at different times, on a busy machine).
     */
    public static void measureSpeeds(Path cells, Map<String, TaskData> dataByTask) {
        List<Path> files = new ArrayList<>();
        try (var s = Files.walk(cells)) {
            files.addAll(s.filter(f -> f.toString().endsWith(".json")).sorted().toList());
        } catch (IOException e) {
            throw new CompressionException("cannot read " + cells + ": " + e.getMessage(), e);
        }
        String sitting = java.time.Instant.now().toString();
        for (Path f : files) {
            Cell c = Json.read(f, Cell.class, "benchmark cell");
            Path model = Path.of(c.file());
            if (!Files.isRegularFile(model)) {
                System.err.println("skipping " + f + ": its model " + model + " is not on this machine");
                continue;
            }
            TaskData d = dataByTask.get(c.task());
            LoadedModel m = org.jvmcompress.core.model.Models.load(model);
            var sp = org.jvmcompress.core.eval.Measure.speed(m.inference(), d.inputShape(), "tokens".equals(d.input()),
                    d.vocabulary() == null ? 0 : d.vocabulary().size(), 200, 256, 3.0);
            Cell n = new Cell(c.task(), c.role(), c.mode(), c.acc(), c.bytes(), c.ratio(), sp.throughputSamplesPerS(),
                    sp.p50Ms(), m.runtimeName() != null ? m.runtimeName() : c.runtime(), c.file(), c.settings(),
                    sitting);
            Json.writeFile(f, n);
            System.err.printf(Locale.ROOT, "%s %s %s: %.0f samples/s at b256, %.2f ms at b1 (%s)%n", c.task(), c.role(),
                    c.mode(), n.b256SamplesPerS(), n.b1Ms(), n.runtime());
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new CompressionException("cannot read the size of " + p + ": " + e.getMessage(), e);
        }
    }

    public static void aggregate(Path cells, Path resultsJson, String command) {
        Map<String, Map<String, Map<String, Object>>> root = new LinkedHashMap<>();
        StringBuilder md = new StringBuilder("# Quantization results\n\nTest accuracy, bytes on disk, compression"
                + " against the float zip, throughput at batch 256 and median latency at batch 1, on this machine."
                + " Reproduce with:\n\n    " + command + "\n");
        List<Cell> all = new ArrayList<>();
        if (Files.isDirectory(cells)) {
            try (var s = Files.walk(cells)) {
                for (Path p : s.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                    all.add(Json.read(p, Cell.class, "benchmark cell"));
                }
            } catch (IOException e) {
                throw new CompressionException("cannot read " + cells + ": " + e.getMessage(), e);
            }
        }
        all.sort(java.util.Comparator.comparing(Cell::task).thenComparing(c -> c.role().equals("teacher") ? 0 : 1)
                .thenComparingInt(c -> MODES.indexOf(c.mode())));
        String section = null;
        for (Cell c : all) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("acc", c.acc());
            row.put("bytes", c.bytes());
            row.put("ratio", c.ratio());
            row.put("b256_samples_per_s", c.b256SamplesPerS());
            row.put("b1_ms", c.b1Ms());
            row.put("runtime", c.runtime());
            row.put("speed_measured", c.measured());
            root.computeIfAbsent(c.task(), k -> new LinkedHashMap<>()).computeIfAbsent(c.role(), k -> new LinkedHashMap<>())
                    .put(c.mode(), row);
            String sec = c.task() + " " + c.role();
            if (!sec.equals(section)) {
                section = sec;
                md.append("\n## ").append(sec).append("\n\n| mode | test accuracy | bytes | smaller | b256 samples/s | b1 ms | runtime |\n"
                        + "|---|---|---|---|---|---|---|\n");
            }
            md.append(String.format(Locale.ROOT, "| %s | %.2f %% | %,d | %.2fx | %.0f | %.2f | %s |%n", c.mode(),
                    100 * c.acc(), c.bytes(), c.ratio(), c.b256SamplesPerS(), c.b1Ms(), c.runtime()));
        }
        Json.writeFile(resultsJson, root);
        AtomicFiles.writeString(resultsJson.resolveSibling(resultsJson.getFileName().toString()
                .replaceAll("\\.json$", "") + ".md"), md.toString());
    }
}
