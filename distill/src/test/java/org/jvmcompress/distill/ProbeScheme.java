package org.jvmcompress.distill;

import java.nio.file.Path;
import java.util.Map;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;

/**
 * A scheme that exists only in the tests, registered by one line in the test class path's service file: offline
 * distillation that records its own option {@code note}. It shows what adding a scheme takes.
 */
public final class ProbeScheme implements Scheme {
    @Override
    public String name() {
        return "probe";
    }

    @Override
    public Map<String, String> options() {
        return Map.of("note", "a word recorded with the run");
    }

    @Override
    public String describe(Distillation.Plan p, boolean allTeachers) {
        return "probe (" + p.options().get("note") + "), " + p.method();
    }

    @Override
    public TrainedModels.Outcome run(Distillation.Plan p, Teachers ts, Task task, TaskData data, TrainConfig c,
                                     Path runDir, Path studentFile, String command, Map<String, Object> details) {
        details.put("note", p.options().get("note"));
        return new OfflineScheme().run(p, ts, task, data, c, runDir, studentFile, command, details);
    }
}
