package org.jvmcompress.distill;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;

/**
 * Runs one distillation by scheme, the single entry point of the command line, the pipeline and the benchmark. The
 * schemes are {@link Scheme}s found by {@link Schemes}: {@code offline}, {@code mutual}, {@code born-again},
 * {@code label}, {@code expand}, and any other registered.
 */
public final class Distillation {
    /**
     * Everything that says how to distil, apart from the teachers, the data and the training settings: the scheme,
     * the logit loss, feature/relation knowledge, how several teachers mix, the built-in schemes' settings, and a
     * scheme's own {@code options} (checked against {@link Scheme#options()}).
     */
    public record Plan(String scheme, OfflineDistiller.Method method, List<Knowledge> knowledge, String teacherMix,
                       List<String> peers, int generations, String pool, double threshold, String augment,
                       int rounds, int views, Map<String, String> options) {
        public Plan {
            Scheme s = Schemes.get(scheme);
            knowledge = knowledge == null ? List.of() : List.copyOf(knowledge);
            peers = peers == null ? List.of() : List.copyOf(peers);
            options = options == null ? Map.of() : Map.copyOf(options);
            if (generations < 1) {
                throw new CompressionException("born-again needs at least one generation, got " + generations);
            }
            if (!(threshold >= 0 && threshold <= 1)) {
                throw new CompressionException("the labelling threshold must be a probability in [0, 1], got " + threshold);
            }
            if (rounds < 1) {
                throw new CompressionException("expansion needs at least one augmentation round, got " + rounds);
            }
            if (views < 0) {
                throw new CompressionException("the number of teacher views must be 0 or more, got " + views);
            }
            if (views > 0 && !(s.knowledge() && knowledge.isEmpty())) {
                throw new CompressionException("teacher views (--teacher-views) go with the offline scheme without"
                        + " feature/relation knowledge, not " + scheme + (knowledge.isEmpty() ? "" : " with --feature"));
            }
            if (!knowledge.isEmpty() && !s.knowledge()) {
                throw new CompressionException("feature/relation knowledge (--feature) goes with the offline scheme only");
            }
            List<String> unknown = Scheme.unknown(s, options);
            if (!unknown.isEmpty()) {
                throw new CompressionException("the " + scheme + " scheme has no option " + String.join(", ", unknown)
                        + (s.options().isEmpty() ? " (it takes none)" : "; its options: "
                        + String.join(", ", new java.util.TreeSet<>(s.options().keySet()))));
            }
        }

        /** A plan without scheme options of its own. */
        public Plan(String scheme, OfflineDistiller.Method method, List<Knowledge> knowledge, String teacherMix,
                    List<String> peers, int generations, String pool, double threshold, String augment, int rounds,
                    int views) {
            this(scheme, method, knowledge, teacherMix, peers, generations, pool, threshold, augment, rounds, views,
                    Map.of());
        }

        /** A plain offline plan. */
        public static Plan offline(OfflineDistiller.Method method, List<Knowledge> knowledge) {
            return new Plan("offline", method, knowledge, "avg", List.of(), 2, "train", 0.9, null, 8, 0);
        }

        public Plan withScheme(String s) {
            return new Plan(s, method, knowledge, teacherMix, peers, generations, pool, threshold, augment, rounds,
                    views, options);
        }

        public Plan withMethod(OfflineDistiller.Method m) {
            return new Plan(scheme, m, knowledge, teacherMix, peers, generations, pool, threshold, augment, rounds,
                    views, options);
        }

        /** The same plan with its offline targets averaged over {@code n} augmented views (0: the clean input). */
        public Plan withViews(int n, String augmentation) {
            return new Plan(scheme, method, knowledge, teacherMix, peers, generations, pool, threshold, augmentation,
                    rounds, n, options);
        }

        /** What the plan does, in the results tables' words. */
        public String describe(boolean allTeachers) {
            return Schemes.get(scheme).describe(this, allTeachers);
        }
    }

    /** The outcome, and per-scheme details (each generation, pool statistics...). */
    public record Result(TrainedModels.Outcome outcome, Map<String, Object> details) {}

    private Distillation() {}

    /**
     * @param teachers  the frozen teachers (the first gives the split; several only for schemes that take them)
     * @param cacheDir  where teacher outputs are cached across runs
     */
    public static Result run(Plan p, List<LoadedModel> teachers, Task task, TaskData data, TrainConfig c, Path runDir,
                             Path studentFile, Path cacheDir, String command) {
        Teachers ts = new Teachers(teachers, TeacherMix.parse(p.teacherMix(), teachers.size()), cacheDir);
        ts.checkCompatible(data);
        Scheme s = Schemes.get(p.scheme());
        if (teachers.size() > 1 && !s.manyTeachers()) {
            throw new CompressionException("several teachers go with the "
                    + String.join(" and ", Schemes.names().stream().filter(n -> Schemes.get(n).manyTeachers()).toList())
                    + " schemes, not " + p.scheme());
        }
        Map<String, Object> details = new LinkedHashMap<>();
        TrainedModels.Outcome o = s.run(p, ts, task, data, c, runDir, studentFile, command, details);
        return new Result(o, details);
    }
}
