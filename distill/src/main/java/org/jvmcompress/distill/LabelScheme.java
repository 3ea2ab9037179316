package org.jvmcompress.distill;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jvmcompress.core.data.Batches;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;
import org.jvmcompress.core.util.Hashing;

/**
 * {@code label}: the teacher labels an unlabelled pool (the training split with its labels hidden, or a user's folder
 * added to the labelled training split); items below the confidence threshold are dropped; the student trains on the
 * result with cross-entropy.
 */
public final class LabelScheme implements Scheme {
    @Override
    public String name() {
        return "label";
    }

    @Override
    public String describe(Distillation.Plan p, boolean allTeachers) {
        return "teacher labels, confidence >= " + p.threshold() + ", pool " + p.pool();
    }

    @Override
    public TrainedModels.Outcome run(Distillation.Plan p, Teachers ts, Task task, TaskData data, TrainConfig c,
                                     Path runDir, Path studentFile, String command, Map<String, Object> details) {
        boolean hidden = p.pool() == null || p.pool().equals("train");
        Batches.Source pool = hidden ? data.train() : task.unlabelled(Path.of(p.pool()), data);
        String poolHash = hidden ? data.dataHash() : Hashing.sha256(data.dataHash() + "|pool=" + Path.of(p.pool())
                .toAbsolutePath() + "|" + pool.size());
        TeacherSources.Labelled labelled = TeacherSources.Labelled.of(pool, ts.logits(pool, poolHash, "none", 1),
                p.threshold());
        details.put("pool", hidden ? "training split, labels hidden" : p.pool());
        details.put("poolSize", pool.size());
        details.put("kept", labelled.size());
        details.put("threshold", p.threshold());
        if (hidden) {
            details.put("teacherLabelAccuracy", labelled.agreementWithPool());
        }
        System.err.printf(Locale.ROOT, "teacher labelled %,d of %,d pool items with confidence >= %.2f%n",
                labelled.size(), pool.size(), p.threshold());
        Batches.Source train = hidden ? labelled : TeacherSources.concat(data.train(), labelled);
        TaskData d = data.withTrain(train, Hashing.sha256(poolHash + "|labelled-by=" + ts.key() + "|threshold="
                + p.threshold() + "|with-train=" + !hidden));
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("scheme", "teacher labelling");
        extra.put("teachers", ts.paths());
        extra.putAll(details);
        return TrainedModels.train(task.build(c.architecture(), data, c), task, data, d, c, runDir, studentFile, false,
                command, Map.of("distillation", extra), g -> g);
    }
}
