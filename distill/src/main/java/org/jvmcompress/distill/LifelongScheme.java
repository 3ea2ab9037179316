package org.jvmcompress.distill;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.Batches;
import org.jvmcompress.core.eval.Predictions;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.Models;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;
import org.jvmcompress.core.util.Hashing;
import org.jvmcompress.distill.loss.Configured;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * {@code lifelong}: class-incremental learning. The classes arrive in {@code tasks} groups of consecutive class
 * numbers (Fashion-MNIST in 5 tasks: 0-1, 2-3, ...); the student learns one group at a time from that group's
 * training items only, starting from its previous self, and is tested after each task on every class seen so far.
 * Methods ({@code method=}):
 * <ul>
 * <li>{@code finetune}: cross-entropy on the new items (the baseline that forgets);</li>
 * <li>{@code lwf}: Learning without Forgetting (Li and Hoiem 2016): the previous model's outputs on the new items,
 * over the classes it knew, distilled into the new one ({@code lwf} loss: alpha T² KL + (1 - alpha) CE);</li>
 * <li>{@code exemplars}: the same distillation on the new items plus a memory of at most {@code memory} old
 * training items, class-balanced, kept from task to task (iCaRL-style, Rebuffi et al. 2017; the memory is a random
 * class-balanced draw rather than iCaRL's herding, and classes are read from the network's outputs rather than
 * the nearest mean of exemplars).</li>
 * </ul>
 * The teachers are the student's own earlier versions; a teacher given to the command only supplies the data.
 * Validation during a task (early stopping) is on the validation items of that task's classes, and on the memory
 * where there is one: a learner of this kind has no other data of the old classes. Each task's model is kept in
 * {@code task-K/}, and a resumed run reuses the finished ones.
 */
public final class LifelongScheme implements Scheme {
    static final List<String> METHODS = List.of("finetune", "lwf", "exemplars");

    @Override
    public String name() {
        return "lifelong";
    }

    @Override
    public Map<String, String> options() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("tasks", "number of tasks the classes are split into, in class order (default 5)");
        m.put("method", "finetune, lwf or exemplars (default lwf)");
        m.put("memory", "exemplar memory, items over all old classes (exemplars; default 2000)");
        m.put("temperature", "distillation temperature (lwf, exemplars; default 2, as Li and Hoiem)");
        m.put("alpha", "weight of the distillation term, the labels getting 1 - alpha (default 0.5)");
        m.put("local", "1: the labels' cross-entropy over the new task's classes only (lwf; default 0)");
        return m;
    }

    /** The scheme's settings, from the plan's options. */
    record Settings(int tasks, String method, int memory, double temperature, double alpha, boolean local) {
        static Settings of(Map<String, String> o) {
            String method = o.getOrDefault("method", "lwf");
            if (!METHODS.contains(method)) {
                throw new CompressionException("lifelong method must be one of " + String.join(", ", METHODS)
                        + ", got '" + method + "'");
            }
            // the same option checks as a loss's NAME[KEY=VALUE] options
            Configured c = new Configured("lifelong", o);
            return new Settings(c.integer("tasks", 5, 2, 1_000_000), method, c.integer("memory", 2000, 0, Integer.MAX_VALUE),
                    c.number("temperature", 2, 1e-6, 100), c.number("alpha", 0.5, 0, 1), c.integer("local", 0, 0, 1) == 1);
        }
    }

    @Override
    public String describe(Distillation.Plan p, boolean allTeachers) {
        Settings s = Settings.of(p.options());
        return String.format(Locale.ROOT, "class-incremental, %d tasks (validation: the task's classes%s), %s%s",
                s.tasks(), s.method().equals("exemplars") ? " and the memory" : "", switch (s.method()) {
            case "finetune" -> "fine-tuning";
            case "lwf" -> s.local() ? "LwF, task-local CE" : "LwF";
            default -> "KD + " + s.memory() + " exemplars";
        }, s.method().equals("finetune") ? "" : String.format(Locale.ROOT, " (T=%s, alpha %s)",
                trim(s.temperature()), trim(s.alpha())));
    }

    private static String trim(double d) {
        return java.math.BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }

    /** The class groups: {@code tasks} runs of consecutive class numbers, as even as they can be. */
    static int[][] groups(int classes, int tasks) {
        if (tasks > classes) {
            throw new CompressionException("lifelong: " + tasks + " tasks need at least as many classes; the data has "
                    + classes);
        }
        int[][] g = new int[tasks][];
        int at = 0;
        for (int t = 0; t < tasks; t++) {
            int n = classes / tasks + (t < classes % tasks ? 1 : 0);
            g[t] = new int[n];
            for (int k = 0; k < n; k++) {
                g[t][k] = at++;
            }
        }
        return g;
    }

    /** The items of a source whose class is below {@code to} and at least {@code from}. */
    static int[] itemsOf(int[] labels, int from, int to) {
        return java.util.stream.IntStream.range(0, labels.length).filter(i -> labels[i] >= from && labels[i] < to)
                .toArray();
    }

    /** A source of some items of another. */
    static Batches.Source subset(Batches.Source base, int[] items) {
        return new Batches.Delegating(base) {
            @Override
            public int size() {
                return items.length;
            }

            @Override
            public DataSet make(int[] idx) {
                int[] mapped = new int[idx.length];
                for (int i = 0; i < idx.length; i++) {
                    mapped[i] = items[idx[i]];
                }
                return base.make(mapped);
            }

            @Override
            public org.nd4j.linalg.dataset.api.MultiDataSet makeMulti(int[] idx) {
                return make(idx).toMultiDataSet();
            }
        };
    }

    /** The items of one source, then those of another. */
    static Batches.Source concat(Batches.Source a, Batches.Source b) {
        return new Batches.Delegating(a) {
            @Override
            public int size() {
                return a.size() + b.size();
            }

            @Override
            public DataSet make(int[] idx) {
                int[] fromA = Arrays.stream(idx).filter(i -> i < a.size()).toArray();
                int[] fromB = Arrays.stream(idx).filter(i -> i >= a.size()).map(i -> i - a.size()).toArray();
                List<DataSet> parts = new ArrayList<>();
                if (fromA.length > 0) {
                    parts.add(a.make(fromA));
                }
                if (fromB.length > 0) {
                    parts.add(b.make(fromB));
                }
                return parts.size() == 1 ? parts.get(0) : DataSet.merge(parts);
            }

            @Override
            public org.nd4j.linalg.dataset.api.MultiDataSet makeMulti(int[] idx) {
                return make(idx).toMultiDataSet();
            }
        };
    }

    /** A class-balanced random draw of at most {@code budget} of the items, over the classes below {@code to}. */
    static int[] memory(int[] labels, int to, int budget, long seed) {
        if (budget == 0 || to == 0) {
            return new int[0];
        }
        int per = budget / to;
        SplittableRandom r = new SplittableRandom(seed);
        List<Integer> out = new ArrayList<>();
        for (int c = 0; c < to; c++) {
            int[] items = itemsOf(labels, c, c + 1);
            for (int i = items.length - 1; i > 0; i--) { // Fisher-Yates
                int j = r.nextInt(i + 1);
                int x = items[i];
                items[i] = items[j];
                items[j] = x;
            }
            for (int i = 0; i < Math.min(per, items.length); i++) {
                out.add(items[i]);
            }
        }
        return out.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    @Override
    public TrainedModels.Outcome run(Distillation.Plan p, Teachers ts, Task task, TaskData data, TrainConfig c,
                                     Path runDir, Path studentFile, String command, Map<String, Object> details) {
        Settings s = Settings.of(p.options());
        System.err.println("lifelong: the teachers are the student's own earlier versions; the teacher given ("
                + ts.first().path() + ") supplies only the data");
        int[][] groups = groups(data.numClasses(), s.tasks());
        int[] trainLabels = Teachers.labels(data.train());
        int[] valLabels = Teachers.labels(data.validation());
        int[] testLabels = Teachers.labels(data.test());
        double[][] acc = new double[groups.length][groups.length];
        double[] average = new double[groups.length];
        double[] validation = new double[groups.length];
        double[] nme = new double[groups.length];
        LoadedModel previous = null;
        TrainedModels.Outcome o = null;
        int[] kept = new int[0];
        for (int t = 0; t < groups.length; t++) {
            int from = groups[t][0];
            int to = groups[t][groups[t].length - 1] + 1;
            int[] items = itemsOf(trainLabels, from, to);
            if (s.method().equals("exemplars") && t > 0) {
                items = java.util.stream.IntStream.concat(Arrays.stream(items), Arrays.stream(kept)).sorted().toArray();
            }
            Batches.Source train = subset(data.train(), items);
            // validation: the task's own classes, and the memory where there is one (all the learner has of the old)
            Batches.Source val = subset(data.validation(), itemsOf(valLabels, from, to));
            if (s.method().equals("exemplars") && kept.length > 0) {
                val = concat(val, subset(data.train(), kept));
            }
            TaskData step = new TaskData(data.task(), train, val,
                    data.test(), data.inputShape(), data.input(), data.labels(), data.preprocessing(), data.vocabulary(),
                    Hashing.sha256(data.dataHash() + "|lifelong task " + t + " of " + s + "|" + items.length),
                    data.splitSeed(), data.source(), data.notes());
            Path dir = runDir.resolve("task-" + (t + 1));
            Path file = t == groups.length - 1 ? studentFile : dir.resolve("student.zip");
            System.err.printf(Locale.ROOT, "lifelong task %d of %d: classes %d-%d, %,d training items%s%n", t + 1,
                    groups.length, from, to - 1, items.length, kept.length > 0 && s.method().equals("exemplars")
                            ? String.format(Locale.ROOT, " (%,d of them from memory)", kept.length) : "");
            TrainConfig tc = c.withSeed(c.seed() + t);
            if (Files.isRegularFile(file) && t < groups.length - 1) {
                previous = Models.load(file); // finished in an earlier run
            } else {
                boolean distil = t > 0 && !s.method().equals("finetune");
                ComputationGraph start = previous == null ? task.build(tc.architecture(), data, tc)
                        : previous.graph().clone();
                if (distil) {
                    float[][] logits = TeacherOutputs.compute(previous.graph(), train);
                    OutputLoss.set(start, new OfflineDistiller.Method("lwf[old=" + from
                            + (s.local() && s.method().equals("lwf") ? ",local=1" : "") + "]", s.temperature(),
                            s.alpha()).lossFunction());
                    step = step.withTrain(new KdSource(train, logits), step.dataHash());
                } else {
                    OutputLoss.set(start, new LossMCXENT());
                }
                Map<String, Object> extra = Map.of("distillation", Map.of("scheme", "lifelong", "task", t + 1,
                        "classes", from + "-" + (to - 1), "method", s.method()));
                o = TrainedModels.train(start, task, step, step, tc, dir, file, false, command, extra,
                        g -> OutputLoss.set(g, new LossMCXENT()));
                previous = o.model();
            }
            // one pass over the test items of the classes seen; each task's accuracy is its share of them
            Predictions seen = Predictions.of(previous.graph(), subset(data.test(), itemsOf(testLabels, 0, to)), 256);
            int[] predicted = seen.predicted();
            for (int j = 0; j <= t; j++) {
                int lo = groups[j][0];
                int hi = groups[j][groups[j].length - 1];
                int right = 0;
                int all = 0;
                for (int i = 0; i < predicted.length; i++) {
                    if (seen.labels()[i] >= lo && seen.labels()[i] <= hi) {
                        all++;
                        right += predicted[i] == seen.labels()[i] ? 1 : 0;
                    }
                }
                acc[t][j] = all == 0 ? Double.NaN : (double) right / all;
            }
            average[t] = seen.accuracy();
            validation[t] = Predictions.of(previous.graph(), step.validation(), 256).accuracy();
            System.err.printf(Locale.ROOT, "lifelong task %d: test accuracy on the %d classes seen %.4f; by task %s%n",
                    t + 1, to, average[t], Arrays.toString(Arrays.stream(acc[t], 0, t + 1)
                            .mapToObj(a -> String.format(Locale.ROOT, "%.3f", a)).toArray()));
            if (s.method().equals("exemplars")) {
                // one fixed order per class: a later, smaller share is a prefix of the earlier one, so the memory only
                // drops items, as iCaRL's reduction does, and never reads an old task's other items again
                kept = memory(trainLabels, to, s.memory(), c.seed() + 1000);
                nme[t] = nearestMeanAccuracy(previous.graph(), subset(data.train(), kept),
                        Arrays.stream(kept).map(i -> trainLabels[i]).toArray(), subset(data.test(),
                                itemsOf(testLabels, 0, to)), to);
                System.err.printf(Locale.ROOT, "lifelong task %d: nearest mean of exemplars, test accuracy %.4f%n",
                        t + 1, nme[t]);
            }
        }
        Map<String, Object> rec = record(s, groups, acc, average);
        rec.put("validationAccuracyOfTheTask", Arrays.stream(validation).boxed().toList());
        if (s.method().equals("exemplars")) {
            rec.put("nearestMeanAccuracy", Arrays.stream(nme).boxed().toList());
        }
        details.put("lifelong", rec);
        if (o == null) {
            o = new TrainedModels.Outcome(previous, null);
        }
        return o;
    }

    /** The L2-normalised activations of the layer that feeds the output layer, row by row. */
    static float[][] features(ComputationGraph g, Batches.Source source) {
        String out = g.getConfiguration().getNetworkOutputs().get(0);
        String penultimate = g.getConfiguration().getVertexInputs().get(out).get(0);
        float[][] rows = new float[source.size()][];
        java.util.Iterator<DataSet> it = new Batches(source, 256, false, 0);
        int r = 0;
        while (it.hasNext()) {
            org.nd4j.linalg.api.ndarray.INDArray a = g.feedForward(it.next().getFeatures(), false).get(penultimate);
            a = a.reshape('c', a.size(0), a.length() / a.size(0));
            for (float[] row : org.jvmcompress.core.util.Matrices.floatRows(a)) {
                rows[r++] = normalised(row);
            }
        }
        return rows;
    }

    private static float[] normalised(float[] v) {
        double n = 0;
        for (float x : v) {
            n += x * x;
        }
        float inv = (float) (1 / Math.max(Math.sqrt(n), 1e-12));
        for (int k = 0; k < v.length; k++) {
            v[k] *= inv;
        }
        return v;
    }

    /**
     * iCaRL's classifier (Rebuffi et al. 2017): each class's mean of normalised penultimate features over its
     * exemplars, an item assigned to the nearest mean; the test accuracy over the classes below {@code classes}.
     */
    static double nearestMeanAccuracy(ComputationGraph g, Batches.Source exemplars, int[] exemplarLabels,
                                      Batches.Source test, int classes) {
        float[][] f = features(g, exemplars);
        float[][] means = new float[classes][];
        for (int i = 0; i < f.length; i++) {
            int y = exemplarLabels[i];
            if (means[y] == null) {
                means[y] = new float[f[i].length];
            }
            for (int k = 0; k < f[i].length; k++) {
                means[y][k] += f[i][k];
            }
        }
        for (float[] m : means) {
            if (m != null) {
                normalised(m);
            }
        }
        float[][] tf = features(g, test);
        int[] tl = Teachers.labels(test);
        int right = 0;
        for (int i = 0; i < tf.length; i++) {
            int best = -1;
            double bestD = Double.MAX_VALUE;
            for (int y = 0; y < classes; y++) {
                if (means[y] == null) {
                    continue;
                }
                double d = 0;
                for (int k = 0; k < tf[i].length; k++) {
                    double v = tf[i][k] - means[y][k];
                    d += v * v;
                }
                if (d < bestD) {
                    bestD = d;
                    best = y;
                }
            }
            right += best == tl[i] ? 1 : 0;
        }
        return tf.length == 0 ? Double.NaN : (double) right / tf.length;
    }

    /** Accuracy by task after each step, the average over the classes seen, and forgetting (Chaudhry et al. 2018). */
    static Map<String, Object> record(Settings s, int[][] groups, double[][] acc, double[] average) {
        int last = groups.length - 1;
        List<Double> forgetting = new ArrayList<>();
        for (int j = 0; j < last; j++) {
            double best = 0;
            for (int t = j; t < last; t++) {
                best = Math.max(best, acc[t][j]);
            }
            forgetting.add(best - acc[last][j]);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("method", s.method());
        r.put("tasks", Arrays.stream(groups).map(g -> Arrays.stream(g).boxed().toList()).toList());
        List<List<Double>> rows = new ArrayList<>();
        for (int t = 0; t <= last; t++) {
            rows.add(Arrays.stream(acc[t], 0, t + 1).boxed().toList());
        }
        r.put("accuracyByTask", rows);
        r.put("averageAccuracy", Arrays.stream(average).boxed().toList());
        r.put("forgetting", forgetting);
        r.put("averageForgetting", forgetting.stream().mapToDouble(Double::doubleValue).average().orElse(0));
        r.put("finalAverageAccuracy", average[last]);
        return r;
    }
}
