package org.jvmcompress.distill;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;

/**
 * {@code born-again}: {@code generations} students of one architecture, generation k teaching k + 1, the given
 * teacher being generation 0.
 */
public final class BornAgainScheme implements Scheme {
    @Override
    public String name() {
        return "born-again";
    }

    @Override
    public String describe(Distillation.Plan p, boolean allTeachers) {
        return p.generations() + " generations from the scratch student, " + p.method();
    }

    @Override
    public TrainedModels.Outcome run(Distillation.Plan p, Teachers ts, Task task, TaskData data, TrainConfig c,
                                     Path runDir, Path studentFile, String command, Map<String, Object> details) {
        LoadedModel teacher = ts.first();
        List<Map<String, Object>> gens = new ArrayList<>();
        gens.add(generation(0, teacher, data));
        TrainedModels.Outcome o = null;
        for (int g = 1; g <= p.generations(); g++) {
            Path dir = runDir.resolve("generation-" + g);
            Path file = g == p.generations() ? studentFile : dir.resolve("student.zip");
            System.err.printf(Locale.ROOT, "born-again generation %d of %d (teacher %s)%n", g, p.generations(),
                    teacher.path());
            o = OfflineDistiller.distil(Teachers.single(teacher, ts.cacheDir()), task, data, p.method(),
                    c.withSeed(c.seed() + g - 1), dir, file, command);
            gens.add(generation(g, o.model(), data));
            teacher = o.model();
        }
        details.put("generations", gens);
        return o;
    }

    private static Map<String, Object> generation(int g, LoadedModel m, TaskData data) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("generation", g);
        r.put("model", m.path().toString());
        r.put("testAccuracy", Evaluator.accuracy(m.graph(), data.test()));
        return r;
    }
}
