package org.jvmcompress.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.distill.Knowledge;
import org.jvmcompress.distill.OfflineDistiller;

/**
 * The distillation methods of the benchmark, by key, for the reference teachers and students of each task (the
 * layer names are those of {@code cv-teacher}/{@code cv-student} and {@code nlp-cnn}/{@code nlp-student}).
 * Weights follow the papers where they apply to our normalisation; they are starting points to be tuned on the
 * validation split.
 */
public final class DistillRecipes {
    /** A method: the class-output loss and the feature/relation knowledge. */
    public record Recipe(OfflineDistiller.Method method, List<Knowledge> knowledge) {}

    private DistillRecipes() {}

    public static Map<String, Recipe> of(String task) {
        Map<String, Recipe> m = new LinkedHashMap<>();
        m.put("scratch", new Recipe(new OfflineDistiller.Method("ce", 1, 0), List.of()));
        m.put("kd", new Recipe(new OfflineDistiller.Method("kd", 4, 0.9), List.of()));
        m.put("kd-reverse", new Recipe(new OfflineDistiller.Method("kd-reverse", 4, 0.9), List.of()));
        m.put("kd-js", new Recipe(new OfflineDistiller.Method("kd-js", 4, 0.9), List.of()));
        m.put("kd-mse", new Recipe(new OfflineDistiller.Method("kd-mse", 1, 0.9), List.of()));
        if (task.equals("cv")) {
            m.put("fitnets", new Recipe(new OfflineDistiller.Method("kd", 4, 0.9),
                    List.of(new Knowledge("hint", "conv4_relu", "conv2", 1))));
            m.put("at", new Recipe(new OfflineDistiller.Method("kd", 4, 0.9),
                    List.of(new Knowledge("at", "conv2_relu", "conv1", 100), new Knowledge("at", "conv4_relu", "conv2", 100))));
            m.put("rkd", new Recipe(new OfflineDistiller.Method("kd", 4, 0.9),
                    List.of(new Knowledge("rkd-d", "fc", "fc", 25), new Knowledge("rkd-a", "fc", "fc", 50))));
            m.put("sp", new Recipe(new OfflineDistiller.Method("ce", 1, 0),
                    List.of(new Knowledge("sp", "fc", "fc", 3000))));
        }
        return m;
    }

    public static Recipe get(String task, String name) {
        Map<String, Recipe> m = of(task);
        Recipe r = m.get(name);
        if (r == null) {
            throw new CompressionException("unknown distillation method '" + name + "' for task " + task + "; known: "
                    + String.join(", ", m.keySet()));
        }
        return r;
    }
}
