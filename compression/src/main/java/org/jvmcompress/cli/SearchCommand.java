package org.jvmcompress.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.eval.Measure;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.Models;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.Tasks;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.nas.Candidate;
import org.jvmcompress.nas.Search;
import org.jvmcompress.nas.Strategy;
import org.jvmcompress.nas.Sweep;

/** {@code search}: student architecture search against accuracy, size and measured latency; resumable. */
final class SearchCommand implements Command {
    @Override
    public String name() {
        return "search";
    }

    @Override
    public String summary() {
        return "search student architectures (random, grid, aging evolution) scored by a short distillation; Pareto"
                + " front over accuracy, parameters, bytes and latency; resumable";
    }

    @Override
    public Options options() {
        return Cli.withDataOptions(new Options()
                .addOption(Option.builder().longOpt("teacher").hasArg().argName("FILE").required()
                        .desc("the teacher: its data (the data its sidecar records, or --data), and the bounds of the"
                                + " space").build())
                .addOption(Option.builder().longOpt("strategy").hasArg().argName("NAME")
                        .desc("random, grid, evolution (default), arbiter-random, arbiter-grid, arbiter-genetic").build())
                .addOption(Option.builder().longOpt("space").hasArg().argName("FILE")
                        .desc("search space JSON overriding the one derived from the teacher (print it with --show-space)")
                        .build())
                .addOption(Option.builder().longOpt("show-space").desc("print the search space and exit").build())
                .addOption(Option.builder().longOpt("max-candidates").hasArg().argName("N").desc("default 30").build())
                .addOption(Option.builder().longOpt("max-minutes").hasArg().argName("M")
                        .desc("stop when the candidates' time reaches M minutes (default: no limit)").build())
                .addOption(Option.builder().longOpt("target-front").hasArg().argName("N")
                        .desc("stop when the Pareto front has N members").build())
                .addOption(Option.builder().longOpt("parallel").hasArg().argName("N")
                        .desc("candidates trained side by side (default 1)").build())
                .addOption(Option.builder().longOpt("population").hasArg().argName("N").desc("evolution: default 10").build())
                .addOption(Option.builder().longOpt("sample").hasArg().argName("N").desc("evolution: default 3").build())
                .addOption(Option.builder().longOpt("proxy-epochs").hasArg().argName("N")
                        .desc("epochs of the scoring distillation (default 2)").build())
                .addOption(Option.builder().longOpt("proxy-limit").hasArg().argName("N")
                        .desc("training examples of the scoring distillation (default 10000)").build())
                .addOption(Option.builder().longOpt("full-epochs").hasArg().argName("N")
                        .desc("epochs of the final full distillation of the front's members (default 10; 0 skips it)")
                        .build())
                .addOption(Option.builder().longOpt("spark-master").hasArg().argName("URL")
                        .desc("evaluate candidates as Spark tasks (local[N], spark://host:7077; YARN is not supported); each round's"
                                + " --parallel candidates run at once, this process keeps the state file").build())
                .addOption(Option.builder().longOpt("spark-jars").hasArg().argName("JAR,...")
                        .desc("jars the executors need (the suite's compression-all.jar on a cluster)").build())
                .addOption(Option.builder().longOpt("max-params").hasArg().argName("N").build())
                .addOption(Option.builder().longOpt("max-bytes").hasArg().argName("N").build())
                .addOption(Option.builder().longOpt("max-latency-ms").hasArg().argName("MS").build()));
    }

    @Override
    public int run(CommandLine cl) {
        Teacher t = Teacher.of(cl);
        LoadedModel teacher = t.model();
        Task task = t.task();
        TaskData data = t.data();
        org.jvmcompress.nas.SearchSpace space = cl.hasOption("space")
                ? Search.readSpace(Path.of(cl.getOptionValue("space")), task.name(), data.inputShape())
                : Search.spaceFor(task.name(), teacher.graph(), data.inputShape());
        if (cl.hasOption("show-space")) {
            System.out.println(Json.write(space));
            return 0;
        }
        Strategy strategy = Strategy.of(cl.getOptionValue("strategy", "evolution"),
                Cli.intOpt(cl, "population", 10, 2), Cli.intOpt(cl, "sample", 3, 1), 10_000, Cli.seed(cl),
                Cli.intOpt(cl, "parallel", 1, 1));
        Sweep.Constraints k = new Sweep.Constraints(
                cl.hasOption("max-params") ? Cli.longOpt(cl, "max-params", 0, 1) : null,
                cl.hasOption("max-bytes") ? Cli.longOpt(cl, "max-bytes", 0, 1) : null,
                cl.hasOption("max-latency-ms") ? Cli.doubleOpt(cl, "max-latency-ms", 0) : null);
        Sweep.Settings s = new Sweep.Settings(Cli.intOpt(cl, "max-candidates", 30, 1),
                cl.hasOption("max-minutes") ? 60 * Cli.doubleOpt(cl, "max-minutes", 0) : 0,
                Cli.intOpt(cl, "target-front", 0, 0), Cli.intOpt(cl, "parallel", 1, 1), Cli.seed(cl), k);
        Path out = Cli.output(cl, "runs/search-" + task.name() + "-" + strategy.name());
        int proxyEpochs = Cli.intOpt(cl, "proxy-epochs", 2, 1);
        int proxyLimit = Cli.intOpt(cl, "proxy-limit", 10_000, 1);
        int fullEpochs = Cli.intOpt(cl, "full-epochs", 10, 0);
        String command = Cli.commandLine("search", cl);
        System.err.printf(Locale.ROOT, "search %s on %s from %s: %s; proxy %d epoch(s) on %d examples; run folder %s%n",
                strategy.name(), task.name(), teacher.path(), space.describe(), proxyEpochs, proxyLimit, out);
        Map<String, Object> result;
        if (cl.hasOption("spark-master")) {
            Recipe recipe = new Recipe(teacher.path().toAbsolutePath().toString(),
                    Cli.dataHome(cl).root().toAbsolutePath().toString(), s.seed(), out.toAbsolutePath().toString(),
                    proxyEpochs, proxyLimit, command, cl.getOptionValue("data"), cl.getOptionValue("test-data"),
                    cl.getOptionValue("labels"), cl.hasOption("resize"));
            List<String> jars = cl.hasOption("spark-jars") ? List.of(cl.getOptionValue("spark-jars").split(","))
                    : List.of();
            try (org.jvmcompress.spark.SparkFanout spark = org.jvmcompress.spark.SparkFanout.connect(
                    cl.getOptionValue("spark-master"), "compression search " + strategy.name(), jars)) {
                System.err.println("candidates on " + spark.describe());
                List<Candidate> all = new Sweep(out, space, strategy, s).run(spark, recipe);
                result = summarise(task.name(), space, strategy, s, fullEpochs, all,
                        new org.jvmcompress.pipeline.DistillScorer(teacher, task, data, out, Cli.dataHome(cl), s.seed(),
                                command), 0, out.resolve("full"), c -> null);
            }
        } else {
            result = search(teacher, task, data, space, strategy, s, out, proxyEpochs, proxyLimit, fullEpochs,
                    Cli.dataHome(cl), command);
        }
        Json.writeFile(out.resolve("search.json"), result);
        org.jvmcompress.core.util.AtomicFiles.writeString(out.resolve("search.md"), Search.markdown(result));
        System.out.print(Search.markdown(result));
        return noFront(result, out.resolve("candidates.jsonl")) ? 1 : 0;
    }

    /**
     * An empty front is said, with what ruled the candidates out, and fails the command: a search that found no student
     * has not done what was asked (its records stay, to show what was tried).
     */
    static boolean noFront(Map<String, Object> result, Path candidates) {
        Object front = result.get("front");
        if (front instanceof java.util.Collection<?> f && !f.isEmpty()) {
            return false;
        }
        Map<String, Long> why = new java.util.TreeMap<>();
        if (java.nio.file.Files.isRegularFile(candidates)) {
            for (Candidate c : org.jvmcompress.nas.Sweep.read(candidates)) {
                if (!c.ok()) {
                    why.merge(c.status() + (c.reason() == null ? "" : ": " + c.reason()), 1L, Long::sum);
                }
            }
        }
        System.err.println("error: no candidate met the constraints, so the front is empty; "
                + (why.isEmpty() ? "no candidate was scored" : "ruled out: " + why.entrySet().stream()
                .map(e -> e.getValue() + " x " + e.getKey()).collect(java.util.stream.Collectors.joining("; ")))
                + ". Loosen --max-params/--max-bytes/--max-latency-ms, or widen the search space.");
        return true;
    }

    /**
     * Runs (or resumes) a sweep in {@code out}, then distils the front's members on all the data; returns the
     * summary with "retrained" and "spearman_proxy_vs_full" when {@code fullEpochs} > 0.
     */
    static Map<String, Object> search(LoadedModel teacher, Task task, TaskData data, org.jvmcompress.nas.SearchSpace space,
                                      Strategy strategy, Sweep.Settings s, Path out, int proxyEpochs, int proxyLimit,
                                      int fullEpochs, org.jvmcompress.core.data.DataHome home, String command) {
        return search(teacher, task, data, space, strategy, s, out, proxyEpochs, proxyLimit, fullEpochs, home, command, 0,
                out.resolve("full"), 0);
    }

    /**
     * As above, at most {@code fullMax} front members distilled in full, in {@code fullDir}, leaving out those whose
     * full distillation would take more than {@code maxFullSeconds} (> 0) by their proxy's time.
     */
    static Map<String, Object> search(LoadedModel teacher, Task task, TaskData data, org.jvmcompress.nas.SearchSpace space,
                                      Strategy strategy, Sweep.Settings s, Path out, int proxyEpochs, int proxyLimit,
                                      int fullEpochs, org.jvmcompress.core.data.DataHome home, String command,
                                      int fullMax, Path fullDir, double maxFullSeconds, long... caps) {
        org.jvmcompress.pipeline.DistillScorer scorer = new org.jvmcompress.pipeline.DistillScorer(teacher, task, data,
                out, home, s.seed(), command);
        List<Candidate> all = new Sweep(out, space, strategy, s).run(
                (spec, index) -> scorer.score(spec, index, proxyEpochs, proxyLimit),
                spec -> Search.profile(task, data, spec, s.seed()));
        double scale = (double) data.train().size() * fullEpochs
                / ((double) Math.min(proxyLimit, data.train().size()) * proxyEpochs);
        return summarise(task.name(), space, strategy, s, fullEpochs, all, scorer, fullMax, fullDir,
                maxFullSeconds > 0 ? c -> c.seconds() * scale <= maxFullSeconds ? null
                        : String.format(Locale.ROOT, "about %s to distil in full (its proxy's %.0f s x %.0f) > %s",
                        org.jvmcompress.core.util.ProgressBar.formatDuration(c.seconds() * scale), c.seconds(), scale,
                        org.jvmcompress.core.util.ProgressBar.formatDuration(maxFullSeconds)) : c -> null, caps);
    }

    /**
     * The summary of a finished sweep, the front's members distilled on all the data by {@code scorer} (in
     * {@code fullDir}, one folder per architecture) when {@code fullEpochs} > 0: those on its accuracy / parameters
     * front, at most {@code fullMax} of them when that is > 0 ({@link Search#retrainChoice}), less those for which
     * {@code tooSlow} gives a reason (listed under "not_distilled").
     */
    static Map<String, Object> summarise(String taskName, org.jvmcompress.nas.SearchSpace space, Strategy strategy,
                                         Sweep.Settings s, int fullEpochs, List<Candidate> all,
                                         org.jvmcompress.pipeline.DistillScorer scorer, int fullMax, Path fullDir,
                                         java.util.function.Function<Candidate, String> tooSlow, long... caps) {
        List<Candidate> front = Sweep.front(all);
        Map<String, Object> result = Search.summary(taskName, strategy.name(), all, front, s, space);
        if (fullEpochs > 0 && !front.isEmpty()) {
            List<Map<String, Object>> full = new ArrayList<>();
            List<Map<String, Object>> skipped = new ArrayList<>();
            List<Candidate> affordable = new ArrayList<>();
            for (Candidate c : front) {
                String why = tooSlow.apply(c);
                if (why == null) {
                    affordable.add(c);
                } else {
                    skipped.add(Map.of("arch", c.spec(), "reason", why));
                }
            }
            if (!skipped.isEmpty()) {
                result.put("not_distilled", skipped);
            }
            List<Candidate> chosen = Search.retrainChoice(affordable, fullMax, caps);
            for (int i = 0; i < chosen.size(); i++) {
                System.err.printf(Locale.ROOT, "full distillation %d/%d of the front: %s (proxy %.4f)%n", i + 1,
                        chosen.size(), chosen.get(i).spec(), chosen.get(i).acc());
                full.add(scorer.full(chosen.get(i), fullEpochs, fullDir));
            }
            result.put("retrained", full);
            result.put("spearman_proxy_vs_full", Search.spearman(
                    full.stream().mapToDouble(m -> ((Number) m.get("proxy_acc")).doubleValue()).toArray(),
                    full.stream().mapToDouble(m -> ((Number) m.get("test_acc")).doubleValue()).toArray()));
        }
        return result;
    }

    /**
     * How a Spark executor makes the sweep's scorer and profiler: the teacher file, the data folder and the run folder
     * by path (the same on every machine: a shared file system on a cluster), the proxy's settings.
     */
    record Recipe(String teacher, String dataDir, long seed, String out, int proxyEpochs, int proxyLimit,
                  String command, String data, String testData, String labels, boolean resize) implements Sweep.Recipe {
        /** Teachers and data already loaded in this process (an executor builds its scorer and profiler from one). */
        private static final Map<String, Teacher> LOADED = new java.util.concurrent.ConcurrentHashMap<>();

        private Teacher load() {
            return LOADED.computeIfAbsent(teacher + "|" + dataDir + "|" + data + "|" + testData, k -> Teacher.of(
                    Path.of(teacher), new org.jvmcompress.core.data.DataHome(Path.of(dataDir)),
                    new org.jvmcompress.core.task.DataRequest(null, data == null ? null : Path.of(data),
                            testData == null ? null : Path.of(testData), labels == null ? null
                            : List.of(labels.split(",")), null, null, null, resize), seed));
        }

        @Override
        public Sweep.Scorer scorer() {
            org.jvmcompress.core.runtime.Backend.init();
            Teacher t = load();
            org.jvmcompress.pipeline.DistillScorer scorer = new org.jvmcompress.pipeline.DistillScorer(t.model(),
                    t.task(), t.data(), Path.of(out), new org.jvmcompress.core.data.DataHome(Path.of(dataDir)), seed,
                    command);
            return (spec, index) -> scorer.score(spec, index, proxyEpochs, proxyLimit);
        }

        @Override
        public Sweep.Profiler profiler() {
            org.jvmcompress.core.runtime.Backend.init();
            Teacher t = load();
            return spec -> Search.profile(t.task(), t.data(), spec, seed);
        }
    }

    /** The --teacher of a search command, with its task and its data (its own, or what the data options name). */
    record Teacher(LoadedModel model, Task task, TaskData data) {
        static Teacher of(CommandLine cl) {
            return of(Path.of(cl.getOptionValue("teacher")), Cli.dataHome(cl), Cli.dataRequest(cl, false),
                    Cli.seed(cl));
        }

        /** As a Spark executor loads it: the same teacher file, data folder and named data as the driver's. */
        static Teacher of(Path file, org.jvmcompress.core.data.DataHome home, org.jvmcompress.core.task.DataRequest req,
                          long seed) {
            LoadedModel teacher = Models.load(file);
            org.jvmcompress.core.task.ModelData.Resolved r = org.jvmcompress.core.task.ModelData.resolve(teacher, req,
                    home, seed, "teacher", true);
            return new Teacher(r.model(), Tasks.get(r.info().task()), r.data());
        }
    }
}
