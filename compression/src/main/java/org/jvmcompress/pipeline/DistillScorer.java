package org.jvmcompress.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.eval.Measure;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.nas.Candidate;
import org.jvmcompress.nas.Sweep;

/** Scores a candidate by distilling it from the teacher (the task's tuned KD) on a training subset. */
public final class DistillScorer {
    private final LoadedModel teacher;
    private final Task task;
    private final TaskData data;
    private final Path out;
    private final org.jvmcompress.core.data.DataHome home;
    private final long seed;
    private final String command;

    public DistillScorer(LoadedModel teacher, Task task, TaskData data, Path out,
                         org.jvmcompress.core.data.DataHome home, long seed, String command) {
        this.teacher = teacher;
        this.task = task;
        this.data = data;
        this.out = out;
        this.home = home;
        this.seed = seed;
        this.command = command;
    }

    private org.jvmcompress.core.train.TrainedModels.Outcome train(String spec, Path dir, int epochs, int limit) {
        TrainConfig d = task.defaultConfig();
        TrainConfig c = new TrainConfig(spec, epochs, d.batchSize(), d.learningRate(), d.lrDecay(), d.patience(),
                d.l2(), seed, limit);
        var kd = org.jvmcompress.distill.DistillRecipes.kd(task.name());
        return org.jvmcompress.distill.Distillation.run(org.jvmcompress.distill.Distillation.Plan.offline(kd,
                List.of()), List.of(teacher), task, data, c, dir, dir.resolve("student.zip"),
                home.dir("teacher-outputs"), command).outcome();
    }

    public Sweep.Score score(String spec, int index, int epochs, int limit) {
        Path dir = out.resolve("candidates").resolve(String.format(Locale.ROOT, "%04d", index));
        var o = train(spec, dir, epochs, limit);
        return new Sweep.Score(o.state().bestValidationAccuracy(), Measure.bytesOnDisk(dir.resolve("student.zip")));
    }

    /**
     * A front member distilled on all the training data in a folder of {@code fullDir} named by its architecture, so
     * that sweeps sharing {@code fullDir} (the strategies of one benchmark) distil an architecture once; its record is
     * kept, so a rerun skips it.
     */
    public Map<String, Object> full(Candidate c, int epochs, Path fullDir) {
        Path dir = fullDir.resolve(org.jvmcompress.core.util.Hashing.sha256(
                c.spec().getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(0, 16));
        Path rec = dir.resolve("record.json");
        if (Files.isRegularFile(rec)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = Json.read(rec, Map.class, "full retraining record");
            if (c.spec().equals(m.get("arch")) && Integer.valueOf(epochs).equals(m.get("epochs"))) {
                m.put("index", c.index());
                m.put("proxy_acc", c.acc());
                return m;
            }
        }
        var o = train(c.spec(), dir, epochs, 0);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", c.index());
        m.put("arch", c.spec());
        m.put("epochs", epochs);
        m.put("params", c.params());
        m.put("proxy_acc", c.acc());
        m.put("test_acc", Evaluator.accuracy(o.model().graph(), data.test()));
        m.put("bytes", Measure.bytesOnDisk(dir.resolve("student.zip")));
        m.put("b1_ms", c.b1Ms());
        Json.writeFile(rec, m);
        return m;
    }
}
