package org.jvmcompress.distill;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;

/**
 * One way of training a student from teachers (offline, mutual, born-again, label, expand, ...). Found through
 * {@link java.util.ServiceLoader} ({@code META-INF/services/org.jvmcompress.distill.Scheme}) by {@link Schemes}; a new
 * scheme is one class and one line there. Options of its own come in the plan's {@code options} (from
 * {@code --scheme-option KEY=VALUE} or a config's {@code distill.options}), limited to {@link #options()}.
 */
public interface Scheme {
    /** The name {@code --scheme} and run configs use. */
    String name();

    /** The names of the scheme's own options (keys of {@link Distillation.Plan#options()}) and what each means. */
    default Map<String, String> options() {
        return Map.of();
    }

    /** Whether the scheme takes more than one teacher. */
    default boolean manyTeachers() {
        return false;
    }

    /** Whether the scheme takes feature/relation knowledge or teacher views (offline only). */
    default boolean knowledge() {
        return false;
    }

    /** What the plan does, in the words of the results tables (they key benchmark cells: keep them stable). */
    String describe(Distillation.Plan p, boolean allTeachers);

    /** Trains the student; puts what the run should record besides the student (per generation, pool sizes...). */
    TrainedModels.Outcome run(Distillation.Plan p, Teachers ts, Task task, TaskData data, TrainConfig c, Path runDir,
                              Path studentFile, String command, Map<String, Object> details);

    /** The options given that this scheme does not know, for the error. */
    static List<String> unknown(Scheme s, Map<String, String> given) {
        return given.keySet().stream().filter(k -> !s.options().containsKey(k)).sorted().toList();
    }
}
