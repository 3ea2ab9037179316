package org.jvmcompress.distill;

import java.nio.file.Path;
import java.util.Map;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;

/**
 * {@code offline}: frozen teacher(s), cached outputs, a logit loss, optionally feature/relation knowledge; with
 * {@code views} > 0 each teacher's target for an item is its average over the clean input and that many augmented
 * versions ({@code augment}, by default {@link Augmenter#viewsDefault}), while the student sees the clean input.
 */
public final class OfflineScheme implements Scheme {
    @Override
    public String name() {
        return "offline";
    }

    @Override
    public boolean manyTeachers() {
        return true;
    }

    @Override
    public boolean knowledge() {
        return true;
    }

    @Override
    public String describe(Distillation.Plan p, boolean allTeachers) {
        return p.method() + (p.knowledge().isEmpty() ? "" : " + " + p.knowledge())
                + (allTeachers ? ", teachers mixed by " + p.teacherMix() : "");
    }

    @Override
    public TrainedModels.Outcome run(Distillation.Plan p, Teachers ts, Task task, TaskData data, TrainConfig c,
                                     Path runDir, Path studentFile, String command, Map<String, Object> details) {
        if (p.knowledge().isEmpty()) {
            return OfflineDistiller.distil(ts, task, data, p.method(), p.views(), p.augment(), c, runDir, studentFile,
                    command);
        }
        if (ts.models().size() > 1) {
            throw new CompressionException("feature/relation knowledge takes one teacher");
        }
        return FeatureDistiller.distil(ts.first(), task, data, p.method(), p.knowledge(), c, runDir, studentFile,
                command);
    }
}
