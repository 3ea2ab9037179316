package org.jvmcompress.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jvmcompress.core.data.DataHome;
import org.jvmcompress.core.eval.EvaluationReport;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.eval.Predictions;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.Models;
import org.jvmcompress.core.runtime.Backend;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.Tasks;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;
import org.jvmcompress.core.util.Json;

/**
 * Runs a {@link RunConfig}: teacher, then student, then a comparison. Each stage writes its model and an
 * evaluation record into the run folder; a stage whose record exists is not run again, so an interrupted run
 * resumes (and training inside a stage resumes from its last epoch).
 */
public final class Pipeline {
    private final RunConfig config;
    private final Path runDir;
    private final DataHome home;

    public Pipeline(RunConfig config, Path runDir, DataHome home) {
        this.config = config;
        this.runDir = runDir;
        this.home = home;
    }

    /** Runs what is not done yet; returns the summary (also written as summary.json and summary.md). */
    public Map<String, Object> run() {
        Json.writeFile(runDir.resolve("config.json"), config);
        Task task = Tasks.get(config.task());
        System.err.println("loading " + task.name() + " data...");
        TaskData data = task.load(home, config.seed(), null);
        LoadedModel teacher = stage("teacher", config.teacher(), task, data, null);
        LoadedModel student = stage("student", config.student(), task, data, teacher);
        EvaluationReport t = Json.read(runDir.resolve("teacher/record.json"), EvaluationReport.class, "teacher record");
        EvaluationReport s = Json.read(runDir.resolve("student/record.json"), EvaluationReport.class, "student record");
        double agreement = Predictions.agreement(Predictions.of(teacher.graph(), data.test(), 256),
                Predictions.of(student.graph(), data.test(), 256));
        EvaluationReport q = config.quantize() == null ? null : quantize(student, data);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("task", task.name());
        summary.put("teacher", row(t));
        summary.put("student", row(s));
        summary.put("size_ratio", (double) t.bytes() / s.bytes());
        summary.put("params_ratio", (double) t.params() / s.params());
        summary.put("speedup_b256", s.speed().throughputSamplesPerS() / t.speed().throughputSamplesPerS());
        summary.put("accuracy_drop", t.metrics().accuracy() - s.metrics().accuracy());
        summary.put("agreement", agreement);
        if (q != null) {
            summary.put("student_quantized", row(q));
            summary.put("quantized_size_ratio", (double) t.bytes() / q.bytes());
            summary.put("quantized_speedup_b256", q.speed().throughputSamplesPerS() / t.speed().throughputSamplesPerS());
        }
        summary.put("backend", Backend.describe());
        Json.writeFile(runDir.resolve("summary.json"), summary);
        org.jvmcompress.core.util.AtomicFiles.writeString(runDir.resolve("summary.md"), markdown(t, s, q, agreement));
        return summary;
    }

    /** The student quantised by the config's mode, evaluated; skipped when its record exists. */
    private EvaluationReport quantize(LoadedModel student, TaskData data) {
        Path dir = runDir.resolve("quantized");
        Path record = dir.resolve("record.json");
        if (Files.isRegularFile(record)) {
            System.err.println("quantized: done in an earlier run, skipped (" + record + ")");
            return Json.read(record, EvaluationReport.class, "quantized record");
        }
        String mode = config.quantize().mode();
        System.err.println("quantized: " + mode + " of the student");
        org.jvmcompress.quantize.Quantization.Result r = org.jvmcompress.quantize.Quantization.run(student, data,
                org.jvmcompress.quantize.Quantizer.Settings.of(mode), 0.003, dir.resolve("student-" + mode + ".jcq"),
                "bin/compression run");
        EvaluationReport rep = Evaluator.evaluate(r.model(), data, Evaluator.SpeedSettings.DEFAULT, null);
        Json.writeFile(record, rep);
        System.err.printf(Locale.ROOT, "quantized: test accuracy %.4f, %,d bytes, %s%n", rep.metrics().accuracy(),
                rep.bytes(), rep.backend());
        return rep;
    }

    private static Map<String, Object> row(EvaluationReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", r.model());
        m.put("acc", r.metrics().accuracy());
        m.put("macro_f1", r.metrics().macroF1());
        m.put("params", r.params());
        m.put("bytes", r.bytes());
        m.put("p50_ms_b1", r.speed().p50Ms());
        m.put("p95_ms_b1", r.speed().p95Ms());
        m.put("samples_per_s_b256", r.speed().throughputSamplesPerS());
        return m;
    }

    private LoadedModel stage(String name, RunConfig.Stage st, Task task, TaskData data, LoadedModel teacher) {
        Path dir = runDir.resolve(name);
        Path record = dir.resolve("record.json");
        Path model = st.model() != null ? Path.of(st.model()) : dir.resolve(name + ".zip");
        if (Files.isRegularFile(record) && Files.isRegularFile(model)) {
            System.err.println(name + ": done in an earlier run, skipped (" + record + ")");
            return Models.load(model);
        }
        LoadedModel m;
        if (st.model() != null) {
            m = Models.load(model);
        } else {
            TrainConfig d = task.defaultConfig();
            TrainConfig c = new TrainConfig(st.architecture(), st.epochs(), d.batchSize(), d.learningRate(), d.lrDecay(),
                    d.patience(), d.l2(), config.seed(), config.trainLimit());
            String method = st.method() == null ? "ce" : st.method();
            System.err.printf(Locale.ROOT, "%s: training %s for %d epoch(s)%s%n", name, st.architecture(), st.epochs(),
                    teacher == null || method.equals("ce") ? "" : " by " + method + " from the teacher");
            if (teacher == null || method.equals("ce")) {
                m = TrainedModels.train(task, data, c, dir, model, false, null).model();
            } else {
                org.jvmcompress.distill.OfflineDistiller.Method tuned = org.jvmcompress.bench.DistillRecipes.kd(task.name());
                org.jvmcompress.distill.OfflineDistiller.Method kd = new org.jvmcompress.distill.OfflineDistiller.Method(
                        method, method.equals("kd-mse") ? 1 : tuned.temperature(), tuned.alpha());
                m = org.jvmcompress.distill.Distillation.run(org.jvmcompress.distill.Distillation.Plan.offline(kd,
                        List.of()), List.of(teacher), task, data, c, dir, model, home.dir("teacher-outputs"),
                        "bin/compression run").outcome().model();
            }
        }
        EvaluationReport rep = Evaluator.evaluate(m, data, Evaluator.SpeedSettings.DEFAULT, null);
        Json.writeFile(record, rep);
        System.err.printf(Locale.ROOT, "%s: test accuracy %.4f, %,d parameters, %,d bytes%n", name,
                rep.metrics().accuracy(), rep.params(), rep.bytes());
        return m;
    }

    static String markdown(EvaluationReport t, EvaluationReport s, EvaluationReport q, double agreement) {
        List<String> lines = new ArrayList<>();
        lines.add("| model | test accuracy | macro F1 | parameters | bytes on disk | p50 ms (b1) | p95 ms (b1) | samples/s (b256) |");
        lines.add("|---|---|---|---|---|---|---|---|");
        Map<String, EvaluationReport> rows = new LinkedHashMap<>();
        rows.put("teacher", t);
        rows.put("student", s);
        if (q != null) {
            rows.put("student, quantized", q);
        }
        for (Map.Entry<String, EvaluationReport> r : rows.entrySet()) {
            EvaluationReport e = r.getValue();
            lines.add(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %,d | %,d | %.3f | %.3f | %.0f |", r.getKey(),
                    e.metrics().accuracy(), e.metrics().macroF1(), e.params(), e.bytes(), e.speed().p50Ms(),
                    e.speed().p95Ms(), e.speed().throughputSamplesPerS()));
        }
        lines.add("");
        lines.add(String.format(Locale.ROOT, "Student vs teacher: %.1fx smaller on disk, %.1fx fewer parameters, %.2fx the"
                        + " throughput at batch 256, %+.2f accuracy points, %.2f%% of test predictions agree.",
                (double) t.bytes() / s.bytes(), (double) t.params() / s.params(),
                s.speed().throughputSamplesPerS() / t.speed().throughputSamplesPerS(),
                100 * (s.metrics().accuracy() - t.metrics().accuracy()), 100 * agreement));
        if (q != null) {
            lines.add("");
            lines.add(String.format(Locale.ROOT, "Quantized student vs teacher: %.1fx smaller on disk, %.2fx the throughput"
                            + " at batch 256, %+.2f accuracy points (%s).", (double) t.bytes() / q.bytes(),
                    q.speed().throughputSamplesPerS() / t.speed().throughputSamplesPerS(),
                    100 * (q.metrics().accuracy() - t.metrics().accuracy()), q.backend()));
        }
        return String.join("\n", lines) + "\n";
    }
}
