package org.jvmcompress.distill;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;

/** {@code mutual}: deep mutual learning of the student with {@code peers} other networks, no teacher. */
public final class MutualScheme implements Scheme {
    @Override
    public String name() {
        return "mutual";
    }

    @Override
    public String describe(Distillation.Plan p, boolean allTeachers) {
        return "mutual learning with " + (p.peers().isEmpty() ? "1 peer" : p.peers()) + ", " + p.method();
    }

    @Override
    public TrainedModels.Outcome run(Distillation.Plan p, Teachers ts, Task task, TaskData data, TrainConfig c,
                                     Path runDir, Path studentFile, String command, Map<String, Object> details) {
        List<String> nets = new ArrayList<>();
        nets.add(c.architecture());
        nets.addAll(p.peers().isEmpty() ? List.of(c.architecture()) : p.peers());
        return MutualDistiller.distil(task, data, nets, p.method(), c, runDir, studentFile, command);
    }
}
