package org.jvmcompress.distill;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;

/**
 * {@code expand}: the teacher labels augmented training inputs ({@link Augmenter}), {@code rounds} cached rounds
 * shown in turn, one per epoch.
 */
public final class ExpandScheme implements Scheme {
    @Override
    public String name() {
        return "expand";
    }

    @Override
    public boolean manyTeachers() {
        return true;
    }

    @Override
    public String describe(Distillation.Plan p, boolean allTeachers) {
        return (allTeachers ? "teachers (mixed by " + p.teacherMix() + ")" : "teacher")
                + " on augmented inputs (" + (p.augment() == null ? "defaults" : p.augment()) + ", "
                + p.rounds() + " rounds), " + p.method();
    }

    @Override
    public TrainedModels.Outcome run(Distillation.Plan p, Teachers ts, Task task, TaskData data, TrainConfig c,
                                     Path runDir, Path studentFile, String command, Map<String, Object> details) {
        if (p.method().loss().equals("ce")) {
            throw new CompressionException("expansion needs a distillation loss (kd, ...), not ce");
        }
        Augmenter aug = Augmenter.parse(data.input(), p.augment(),
                data.vocabulary() == null ? 0 : data.vocabulary().size());
        List<TeacherSources.AugmentedView> views = new ArrayList<>();
        List<float[][]> logits = new ArrayList<>();
        for (int r = 0; r < p.rounds(); r++) {
            // The round's seed does not depend on the training seed: the cached rounds serve every seed.
            TeacherSources.AugmentedView v = new TeacherSources.AugmentedView(data.train(), aug, r + 1);
            System.err.printf(Locale.ROOT, "teacher outputs on augmentation round %d of %d (%s)%n", r + 1, p.rounds(),
                    aug);
            views.add(v);
            logits.add(ts.logits(v, data.dataHash(), v.view(), p.method().temperature()));
        }
        details.put("augmentation", aug.toString());
        details.put("rounds", p.rounds());
        return OfflineDistiller.onTargets(ts, task, data, new TeacherSources.Expanded(data.train(), views, logits),
                "teacher-expanded data", "aug[" + aug + "]x" + p.rounds(), p.method(), c, runDir, studentFile, command,
                details);
    }
}
