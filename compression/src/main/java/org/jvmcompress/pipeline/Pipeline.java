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
        LoadedModel teacher = stage("teacher", config.teacher(), task, data);
        LoadedModel student = stage("student", config.student(), task, data);
        EvaluationReport t = Json.read(runDir.resolve("teacher/record.json"), EvaluationReport.class, "teacher record");
        EvaluationReport s = Json.read(runDir.resolve("student/record.json"), EvaluationReport.class, "student record");
        double agreement = Predictions.agreement(Predictions.of(teacher.graph(), data.test(), 256),
                Predictions.of(student.graph(), data.test(), 256));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("task", task.name());
        summary.put("teacher", row(t));
        summary.put("student", row(s));
        summary.put("size_ratio", (double) t.bytes() / s.bytes());
        summary.put("params_ratio", (double) t.params() / s.params());
        summary.put("speedup_b256", s.speed().throughputSamplesPerS() / t.speed().throughputSamplesPerS());
        summary.put("accuracy_drop", t.metrics().accuracy() - s.metrics().accuracy());
        summary.put("agreement", agreement);
        summary.put("backend", Backend.describe());
        Json.writeFile(runDir.resolve("summary.json"), summary);
        org.jvmcompress.core.util.AtomicFiles.writeString(runDir.resolve("summary.md"), markdown(t, s, agreement));
        return summary;
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

    private LoadedModel stage(String name, RunConfig.Stage st, Task task, TaskData data) {
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
            System.err.printf(Locale.ROOT, "%s: training %s for %d epoch(s)%n", name, st.architecture(), st.epochs());
            m = TrainedModels.train(task, data, c, dir, model, false, null).model();
        }
        EvaluationReport rep = Evaluator.evaluate(m, data, Evaluator.SpeedSettings.DEFAULT, null);
        Json.writeFile(record, rep);
        System.err.printf(Locale.ROOT, "%s: test accuracy %.4f, %,d parameters, %,d bytes%n", name,
                rep.metrics().accuracy(), rep.params(), rep.bytes());
        return m;
    }

    static String markdown(EvaluationReport t, EvaluationReport s, double agreement) {
        List<String> lines = new ArrayList<>();
        lines.add("| model | test accuracy | macro F1 | parameters | bytes on disk | p50 ms (b1) | p95 ms (b1) | samples/s (b256) |");
        lines.add("|---|---|---|---|---|---|---|---|");
        Map<String, EvaluationReport> rows = new LinkedHashMap<>();
        rows.put("teacher", t);
        rows.put("student", s);
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
        return String.join("\n", lines) + "\n";
    }
}
