package org.jvmcompress.distill;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.Batches;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;
import org.jvmcompress.core.util.Hashing;

/**
 * Runs one distillation by scheme, the single entry point of the command line and the benchmark:
 * <ul>
 *   <li>{@code offline}: frozen teacher(s), cached outputs, a logit loss, optionally feature/relation knowledge;
 *       with {@code views} > 0 each teacher's target for an item is its average over the clean input and that many
 *       augmented versions ({@code augment}, by default {@link Augmenter#viewsDefault}), while the student sees the
 *       clean input;</li>
 *   <li>{@code mutual}: deep mutual learning of the student with {@code peers} other networks, no teacher;</li>
 *   <li>{@code born-again}: {@code generations} students of one architecture, generation k teaching k + 1, the
 *       given teacher being generation 0;</li>
 *   <li>{@code label}: the teacher labels an unlabelled pool (the training split with its labels hidden, or a
 *       user's folder added to the labelled training split); items below the confidence threshold are dropped;
 *       the student trains on the result with cross-entropy;</li>
 *   <li>{@code expand}: the teacher labels augmented training inputs ({@link Augmenter}), {@code rounds} cached
 *       rounds shown in turn, one per epoch.</li>
 * </ul>
 */
public final class Distillation {
    public static final List<String> SCHEMES = List.of("offline", "mutual", "born-again", "label", "expand");

    /** Everything that says how to distil, apart from the teachers, the data and the training settings. */
    public record Plan(String scheme, OfflineDistiller.Method method, List<Knowledge> knowledge, String teacherMix,
                       List<String> peers, int generations, String pool, double threshold, String augment,
                       int rounds, int views) {
        public Plan {
            if (!SCHEMES.contains(scheme)) {
                throw new CompressionException("unknown distillation scheme '" + scheme + "'; known: "
                        + String.join(", ", SCHEMES));
            }
            knowledge = knowledge == null ? List.of() : List.copyOf(knowledge);
            peers = peers == null ? List.of() : List.copyOf(peers);
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
            if (views > 0 && !(scheme.equals("offline") && knowledge.isEmpty())) {
                throw new CompressionException("teacher views (--teacher-views) go with the offline scheme without"
                        + " feature/relation knowledge, not " + scheme + (knowledge.isEmpty() ? "" : " with --feature"));
            }
            if (!knowledge.isEmpty() && !scheme.equals("offline")) {
                throw new CompressionException("feature/relation knowledge (--feature) goes with the offline scheme only");
            }
        }

        /** A plain offline plan. */
        public static Plan offline(OfflineDistiller.Method method, List<Knowledge> knowledge) {
            return new Plan("offline", method, knowledge, "avg", List.of(), 2, "train", 0.9, null, 8, 0);
        }

        public Plan withScheme(String s) {
            return new Plan(s, method, knowledge, teacherMix, peers, generations, pool, threshold, augment, rounds,
                    views);
        }

        public Plan withMethod(OfflineDistiller.Method m) {
            return new Plan(scheme, m, knowledge, teacherMix, peers, generations, pool, threshold, augment, rounds,
                    views);
        }

        /** The same plan with its offline targets averaged over {@code n} augmented views (0: the clean input). */
        public Plan withViews(int n, String augmentation) {
            return new Plan(scheme, method, knowledge, teacherMix, peers, generations, pool, threshold, augmentation,
                    rounds, n);
        }
    }

    /** The outcome, and per-scheme details (each generation, pool statistics...). */
    public record Result(TrainedModels.Outcome outcome, Map<String, Object> details) {}

    private Distillation() {}

    /**
     * @param teachers  the frozen teachers (the first gives the split; several only for offline/expand)
     * @param cacheDir  where teacher outputs are cached across runs
     */
    public static Result run(Plan p, List<LoadedModel> teachers, Task task, TaskData data, TrainConfig c, Path runDir,
                             Path studentFile, Path cacheDir, String command) {
        Teachers ts = new Teachers(teachers, TeacherMix.parse(p.teacherMix(), teachers.size()), cacheDir);
        ts.checkCompatible(data);
        if (teachers.size() > 1 && !(p.scheme().equals("offline") || p.scheme().equals("expand"))) {
            throw new CompressionException("several teachers go with the offline and expand schemes, not " + p.scheme());
        }
        Map<String, Object> details = new LinkedHashMap<>();
        TrainedModels.Outcome o = switch (p.scheme()) {
            case "offline" -> {
                if (p.knowledge().isEmpty()) {
                    yield OfflineDistiller.distil(ts, task, data, p.method(), p.views(), p.augment(), c, runDir,
                            studentFile, command);
                }
                if (teachers.size() > 1) {
                    throw new CompressionException("feature/relation knowledge takes one teacher");
                }
                yield FeatureDistiller.distil(ts.first(), task, data, p.method(), p.knowledge(), c, runDir, studentFile,
                        command);
            }
            case "mutual" -> {
                List<String> nets = new ArrayList<>();
                nets.add(c.architecture());
                nets.addAll(p.peers().isEmpty() ? List.of(c.architecture()) : p.peers());
                yield MutualDistiller.distil(task, data, nets, p.method(), c, runDir, studentFile, command);
            }
            case "born-again" -> bornAgain(p, ts, task, data, c, runDir, studentFile, command, details);
            case "label" -> label(p, ts, task, data, c, runDir, studentFile, command, details);
            case "expand" -> expand(p, ts, task, data, c, runDir, studentFile, command, details);
            default -> throw new IllegalStateException(p.scheme());
        };
        return new Result(o, details);
    }

    private static TrainedModels.Outcome bornAgain(Plan p, Teachers ts, Task task, TaskData data, TrainConfig c,
                                                   Path runDir, Path studentFile, String command,
                                                   Map<String, Object> details) {
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

    private static TrainedModels.Outcome label(Plan p, Teachers ts, Task task, TaskData data, TrainConfig c,
                                               Path runDir, Path studentFile, String command,
                                               Map<String, Object> details) {
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

    private static TrainedModels.Outcome expand(Plan p, Teachers ts, Task task, TaskData data, TrainConfig c,
                                                Path runDir, Path studentFile, String command,
                                                Map<String, Object> details) {
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
