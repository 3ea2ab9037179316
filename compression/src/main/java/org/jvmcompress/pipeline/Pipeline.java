package org.jvmcompress.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.DataHome;
import org.jvmcompress.core.eval.EvaluationReport;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.ModelInfo;
import org.jvmcompress.core.model.Models;
import org.jvmcompress.core.runtime.Backend;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.Tasks;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.Trainer;
import org.jvmcompress.core.train.TrainedModels;
import org.jvmcompress.core.util.Hashing;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.distill.Distillation;
import org.jvmcompress.distill.OfflineDistiller;
import org.jvmcompress.quantize.Quantization;
import org.jvmcompress.quantize.Quantizer;
import org.jvmcompress.quantize.Sensitivity;

/**
 * Runs a {@link RunConfig} in a run folder: teacher, distill, quantize, evaluate, report. Each finished stage writes
 * its result record ({@code records/<stage>.json}); started again on the same folder, the run resumes at the first
 * stage without a record (and training inside a stage resumes from its last epoch). The folder holds the config it
 * was made with: another config is refused rather than mixed in. A lock ({@code run.lock}) stops two runs writing
 * the same folder. {@code provenance.json} holds the config and its hash, seeds, data hash, versions, backend,
 * machine and each stage's times.
 */
public final class Pipeline {
    public static final int RECORD_SCHEMA = 1;

    private final RunConfig config;
    private final Path runDir;
    private final DataHome home;
    private final String configHash;
    private final Map<String, Object> stageTimes = new LinkedHashMap<>();

    public Pipeline(RunConfig config, Path runDir, DataHome home) {
        this.config = config.validate();
        this.runDir = runDir;
        this.home = home;
        this.configHash = Hashing.sha256(Json.write(config)).substring(0, 16);
    }

    /** The loaded inputs a run works on, checked against the config's constraints. */
    private record Inputs(Task task, TaskData data, LoadedModel teacher) {}

    /**
     * Checks what needs the data (the teacher file loads and fits the task; constraints can be met) and returns
     * the plan as lines, without writing anything.
     */
    public List<String> plan() {
        Inputs in = inputs(false);
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "run %s (config %s) on task %s, seed %d%s", runDir, configHash,
                in.task().name(), config.seedOr42(), config.trainLimitOr0() > 0 ? ", first " + config.trainLimitOr0()
                        + " training examples" : ""));
        for (String s : config.stages()) {
            boolean done = Files.isRegularFile(record(s));
            lines.add(String.format(Locale.ROOT, "  %-9s %s%s", s, describe(s, in), done ? "  [done; skipped]" : ""));
        }
        return lines;
    }

    private String describe(String stage, Inputs in) {
        RunConfig.Distill d = config.distill();
        return switch (stage) {
            case "teacher" -> config.teacher().model() != null ? "load " + config.teacher().model()
                    : "train " + config.teacher().architecture() + " for " + config.teacher().epochs() + " epoch(s)";
            case "distill" -> {
                OfflineDistiller.Method m = method(in.task());
                yield "train student " + (d.student() != null ? d.student() : config.search() != null ? "(the searched one)"
                        : in.task().studentArchitecture()) + (d.epochs() != null ? " for " + d.epochs()
                        + " epoch(s)" : " on the task's student schedule (at most " + org.jvmcompress.distill.DistillRecipes
                        .schedule(in.task().name(), in.data().train().size()).epochs() + " epochs)") + " by " + (m == null
                        ? "cross-entropy (from scratch)" : String.format(Locale.ROOT, "%s (T=%s, alpha=%s)", m.loss(),
                        m.temperature(), m.alpha())) + " from the teacher" + (m == null ? ""
                        : ", scheme " + d.plan(m).scheme());
            }
            case "search" -> {
                RunConfig.Search s = config.search();
                yield String.format(Locale.ROOT, "%s search of student architectures, %d candidates%s, each scored by"
                                + " %d epoch(s) of distillation on %d examples", s.strategy() == null ? "evolution"
                                : s.strategy(), s.maxCandidates() == null ? 20 : s.maxCandidates(),
                        s.maxMinutes() == null ? "" : " or " + s.maxMinutes() + " min",
                        s.proxyEpochs() == null ? 1 : s.proxyEpochs(), s.proxyLimit() == null ? 5000 : s.proxyLimit());
            }
            case "quantize" -> config.quantize().mode() + " of the " + (d != null ? "student" : "teacher")
                    + (sensitivity() ? ", with per-layer sensitivity" : "");
            case "evaluate" -> "test accuracy, size, agreement with the teacher" + (config.speed()
                    ? ", latency (batch 1) and throughput (batch 256)" : "");
            default -> "report.json, report.md, report.html, models.csv";
        };
    }

    /** Runs what is not done yet; returns the report files (or the run folder when there is no report stage). */
    public List<Path> run() {
        Inputs in = inputs(true);
        current = in;
        try (org.jvmcompress.core.util.RunFolder held = org.jvmcompress.core.util.RunFolder.claim(runDir)) {
            Path cfg = runDir.resolve("config.json");
            if (Files.isRegularFile(cfg)) {
                String was = Hashing.sha256(Files.readString(cfg).strip()).substring(0, 16);
                String now = Hashing.sha256(Json.write(config).strip()).substring(0, 16);
                if (!was.equals(now)) {
                    throw new CompressionException("run folder " + runDir + " was made by another config (" + cfg
                            + "); use another --output, or the same config to resume");
                }
            } else {
                Json.writeFile(cfg, config);
            }
            provenance(in);
            Map<String, Object> teacherRec = stage("teacher", () -> teacher(in));
            LoadedModel teacher = in.teacher() != null ? in.teacher() : Models.load(path(teacherRec));
            String searched = null;
            if (config.search() != null) {
                searched = (String) stage("search", () -> search(in, teacher)).get("chosen");
            }
            LoadedModel student = null;
            if (config.distill() != null) {
                String arch = config.distill().student() != null ? config.distill().student()
                        : config.search() == null ? in.task().studentArchitecture() : searched;
                if (arch == null) {
                    throw new CompressionException("the search scored no candidate, so there is no student to distil");
                }
                Map<String, Object> r = stage("distill", () -> distill(in, teacher, arch));
                student = Models.load(path(r));
            }
            LoadedModel quantized = null;
            if (config.quantize() != null) {
                LoadedModel source = student != null ? student : teacher;
                Map<String, Object> r = stage("quantize", () -> quantize(in, source));
                quantized = Models.load(path(r));
            }
            LoadedModel s = student;
            LoadedModel q = quantized;
            stage("evaluate", () -> evaluate(in, teacher, s, q));
            if (config.reportEnabled()) {
                Map<String, Object> r = stage("report", this::report);
                @SuppressWarnings("unchecked")
                List<String> files = (List<String>) r.get("files");
                return files.stream().map(runDir::resolve).toList();
            }
            return List.of(runDir);
        } catch (IOException e) {
            throw new CompressionException("cannot use run folder " + runDir + ": " + e.getMessage(), e);
        }
    }

    private Inputs inputs(boolean create) {
        Task task = Tasks.get(config.taskName());
        LoadedModel teacher = null;
        org.jvmcompress.core.task.DataRequest req = config.data() == null
                ? org.jvmcompress.core.task.DataRequest.NONE.withTask(config.task())
                : config.data().request(config.task());
        TaskData data;
        System.err.println("loading " + task.name() + " data...");
        if (config.teacher().model() != null) {
            teacher = Models.load(Path.of(config.teacher().model()));
            org.jvmcompress.core.task.ModelData.Resolved r = org.jvmcompress.core.task.ModelData.resolve(teacher, req,
                    home, config.seedOr42(), "teacher", true);
            teacher = r.model();
            data = r.data();
        } else {
            data = req.namesFiles() ? task.fromFiles(req, config.seedOr42(), null)
                    : task.load(home, config.seedOr42(), null);
            org.jvmcompress.core.task.ModelData.announce(data);
        }
        if (config.constraints() != null && config.constraints().maxStudentParams() != null
                && config.distill().student() != null) {
            ComputationGraph g = task.build(config.distill().student(), data, trainConfig(task,
                    config.distill().student(), 1));
            long n = g.numParams();
            if (n > config.constraints().maxStudentParams()) {
                throw new CompressionException(String.format(Locale.ROOT, "run config: impossible constraint: student"
                                + " %s has %,d parameters, more than constraints.maxStudentParams = %,d",
                        config.distill().student(), n, config.constraints().maxStudentParams()));
            }
        }
        if (create) {
            try {
                Files.createDirectories(runDir.resolve("records"));
            } catch (IOException e) {
                throw new CompressionException("cannot create run folder " + runDir + ": " + e.getMessage(), e);
            }
        }
        return new Inputs(task, data, teacher);
    }

    private interface StageBody {
        Map<String, Object> run();
    }

    private Path record(String stage) {
        return runDir.resolve("records").resolve(stage + ".json");
    }

    /** Runs a stage unless its record exists; returns its result. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> stage(String name, StageBody body) {
        Path rec = record(name);
        if (Files.isRegularFile(rec)) {
            Map<String, Object> r = Json.read(rec, Map.class, name + " record");
            System.err.println(name + ": done in an earlier run, skipped (" + rec + ")");
            stageTimes.put(name, Map.of("started", r.get("started"), "finished", r.get("finished"),
                    "seconds", r.get("seconds")));
            return (Map<String, Object>) r.get("result");
        }
        System.err.println(name + ": " + describe(name, current));
        Instant start = Instant.now();
        Map<String, Object> result = body.run();
        Instant end = Instant.now();
        double secs = (end.toEpochMilli() - start.toEpochMilli()) / 1000.0;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("stage", name);
        r.put("schema", RECORD_SCHEMA);
        r.put("configHash", configHash);
        r.put("started", start.toString());
        r.put("finished", end.toString());
        r.put("seconds", secs);
        r.put("result", result);
        Json.writeFile(rec, r);
        stageTimes.put(name, Map.of("started", start.toString(), "finished", end.toString(), "seconds", secs));
        writeProvenance();
        System.err.printf(Locale.ROOT, "%s: finished in %.0f s%n", name, secs);
        return result;
    }

    private Path path(Map<String, Object> result) {
        return runDir.resolve((String) result.get("file"));
    }

    private String rel(Path p) {
        Path a = p.toAbsolutePath().normalize();
        return a.startsWith(runDir.toAbsolutePath().normalize()) ? runDir.toAbsolutePath().normalize().relativize(a)
                .toString() : a.toString();
    }

    /** The task's student schedule, stretched for a training set smaller than the built-in one's. */
    private TrainConfig studentConfig(Task task, String arch, int trainSize) {
        TrainConfig d = task.defaultConfig();
        org.jvmcompress.distill.DistillRecipes.Schedule s = org.jvmcompress.distill.DistillRecipes.schedule(task.name(),
                trainSize);
        return new TrainConfig(arch, s.epochs(), d.batchSize(), d.learningRate(), s.lrDecay(), s.patience(), d.l2(),
                config.seedOr42(), config.trainLimitOr0());
    }

    private TrainConfig trainConfig(Task task, String arch, int epochs) {
        TrainConfig d = task.defaultConfig();
        return new TrainConfig(arch, epochs, d.batchSize(), d.learningRate(), d.lrDecay(), d.patience(), d.l2(),
                config.seedOr42(), config.trainLimitOr0());
    }

    private Map<String, Object> teacher(Inputs in) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", "teacher");
        if (in.teacher() != null) {
            r.put("file", in.teacher().path().toAbsolutePath().normalize().toString());
            r.put("source", "loaded");
            if (in.teacher().info() != null && in.teacher().info().training() != null
                    && in.teacher().info().training().get("history") != null) {
                r.put("history", in.teacher().info().training().get("history"));
            }
            return r;
        }
        RunConfig.Teacher t = config.teacher();
        Path file = runDir.resolve("teacher/teacher.zip");
        TrainedModels.Outcome o = TrainedModels.train(in.task(), in.data(), trainConfig(in.task(), t.architecture(),
                t.epochs()), runDir.resolve("teacher"), file, false, "bin/compression run");
        r.put("file", rel(file));
        r.put("source", "trained");
        r.put("architecture", t.architecture());
        r.put("history", o.state().history());
        return r;
    }

    /** The distillation loss of the config, with the task's tuned defaults; null for "ce". */
    private OfflineDistiller.Method method(Task task) {
        String m = config.method();
        if (m.equals("ce")) {
            return null;
        }
        OfflineDistiller.Method tuned = org.jvmcompress.distill.DistillRecipes.defaults(task.name(), m);
        RunConfig.Distill d = config.distill();
        double t = d.temperature() != null ? d.temperature() : tuned.temperature();
        double a = d.alpha() != null ? d.alpha() : tuned.alpha();
        return new OfflineDistiller.Method(m, t, a, d.beta() != null ? d.beta() : tuned.beta());
    }

    private Map<String, Object> search(Inputs in, LoadedModel teacher) {
        RunConfig.Search s = config.search();
        Path dir = runDir.resolve("search");
        org.jvmcompress.nas.SearchSpace space = org.jvmcompress.nas.Search.spaceFor(in.task().name(), teacher.graph(),
                in.data().inputShape());
        org.jvmcompress.nas.Strategy st = org.jvmcompress.nas.Strategy.of(s.strategy() == null ? "evolution"
                : s.strategy(), s.population() == null ? 10 : s.population(), s.sample() == null ? 3 : s.sample(), 10_000,
                config.seedOr42(), 1);
        Long maxParams = s.maxParams() != null ? s.maxParams()
                : config.constraints() != null ? config.constraints().maxStudentParams() : null;
        org.jvmcompress.nas.Sweep.Settings settings = new org.jvmcompress.nas.Sweep.Settings(
                s.maxCandidates() == null ? 20 : s.maxCandidates(), s.maxMinutes() == null ? 0 : 60 * s.maxMinutes(), 0,
                1, config.seedOr42(), new org.jvmcompress.nas.Sweep.Constraints(maxParams, null, s.maxLatencyMs()));
        DistillScorer scorer = new DistillScorer(teacher, in.task(), in.data(), dir, home, config.seedOr42(),
                "bin/compression run");
        int epochs = s.proxyEpochs() == null ? 1 : s.proxyEpochs();
        int limit = s.proxyLimit() == null ? 5000 : s.proxyLimit();
        List<org.jvmcompress.nas.Candidate> all = new org.jvmcompress.nas.Sweep(dir, space, st, settings).run(
                (spec, index) -> scorer.score(spec, index, epochs, limit),
                spec -> org.jvmcompress.nas.Search.profile(in.task(), in.data(), spec, config.seedOr42()));
        List<org.jvmcompress.nas.Candidate> front = org.jvmcompress.nas.Sweep.front(all);
        Map<String, Object> r = org.jvmcompress.nas.Search.summary(in.task().name(), st.name(), all, front, settings,
                space);
        front.stream().max(java.util.Comparator.comparingDouble(org.jvmcompress.nas.Candidate::acc)
                        .thenComparing(c -> -c.params()))
                .ifPresent(c -> r.put("chosen", c.spec()));
        return r;
    }

    private Map<String, Object> distill(Inputs in, LoadedModel teacher, String student) {
        RunConfig.Distill d = config.distill();
        Path file = runDir.resolve("student/student.zip");
        TrainConfig c = d.epochs() != null ? trainConfig(in.task(), student, d.epochs())
                : studentConfig(in.task(), student, in.data().train().size());
        OfflineDistiller.Method m = method(in.task());
        Trainer.State state;
        if (m == null) {
            state = TrainedModels.train(in.task(), in.data(), c, runDir.resolve("student"), file, false,
                    "bin/compression run").state();
        } else {
            state = Distillation.run(d.plan(m), List.of(teacher), in.task(), in.data(), c, runDir.resolve("student"),
                    file, home.dir("teacher-outputs"), "bin/compression run").outcome().state();
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", "student");
        r.put("file", rel(file));
        r.put("architecture", student);
        r.put("method", m == null ? "ce" : m.loss());
        if (m != null) {
            r.put("temperature", m.temperature());
            r.put("alpha", m.alpha());
            if (m.loss().equals("dkd")) {
                r.put("beta", m.beta());
            }
            Distillation.Plan plan = d.plan(m);
            r.put("scheme", plan.scheme());
            if (!plan.knowledge().isEmpty()) {
                r.put("features", plan.knowledge().stream().map(Object::toString).toList());
            }
        }
        r.put("history", state.history());
        return r;
    }

    private boolean sensitivity() {
        RunConfig.Quantize q = config.quantize();
        return q != null && (q.sensitivity() == null || q.sensitivity())
                && org.jvmcompress.quantize.QuantMode.of(q.mode()).int8Activations();
    }

    private Map<String, Object> quantize(Inputs in, LoadedModel source) {
        RunConfig.Quantize q = config.quantize();
        Quantizer.Settings s = new Quantizer.Settings(q.mode(), q.calibration() == null ? "percentile"
                : q.calibration(), 1024, null, false);
        String srcName = config.distill() != null ? "student" : "teacher";
        String name = srcName + "-" + q.mode();
        Path file = runDir.resolve("quantized").resolve(name + ".jcq");
        if (source.graph() == null && source.format().equals("onnx")) {
            source = org.jvmcompress.core.model.onnx.OnnxLowering.lower(source);
        }
        Quantization.Result res;
        int qat = q.qatEpochs() == null ? 0 : q.qatEpochs();
        if (qat > 0) {
            TrainConfig c = org.jvmcompress.quantize.Qat.config(in.task(),
                    source.info().architecture(), qat, org.jvmcompress.quantize.Qat.LR,
                    config.seedOr42());
            boolean onDistillation = "distill".equals(q.qatLoss()) && config.distill() != null;
            res = new Quantization.Result(file, onDistillation
                    ? QuantizedStudent.qatOnDistillation(source, in.teacher(), in.data(), method(in.task()), c, s,
                            runDir.resolve("quantized/qat"), file, home.dir("teacher-outputs"), "bin/compression run",
                            null)
                    : Quantization.qat(source, in.data(), s, c, runDir.resolve("quantized/qat"), file,
                            "bin/compression run"), null);
        } else {
            res = Quantization.run(source, in.data(), s, 0.003, file, "bin/compression run");
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", name);
        r.put("file", rel(file));
        r.put("source", srcName);
        r.put("mode", q.mode());
        if (qat > 0) {
            r.put("qatEpochs", qat);
            r.put("qatLoss", q.qatLoss() == null ? "ce" : q.qatLoss());
        }
        List<Sensitivity.Layer> layers = res.sensitivity() != null ? res.sensitivity().layers() : null;
        if (layers == null && sensitivity()) {
            double floatAcc = Evaluator.accuracy(source.graph(), in.data().validation());
            layers = Sensitivity.analyse(source.graph(), in.data().train(), in.data().validation(), s, floatAcc);
        }
        if (layers != null) {
            r.put("sensitivity", layers);
        }
        return r;
    }

    private Map<String, Object> evaluate(Inputs in, LoadedModel teacher, LoadedModel student, LoadedModel quantized) {
        Evaluator.SpeedSettings speed = config.speed() ? Evaluator.SpeedSettings.DEFAULT : Evaluator.SpeedSettings.NONE;
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, LoadedModel> models = new LinkedHashMap<>();
        models.put("teacher", teacher);
        if (student != null) {
            models.put("student", student);
        }
        if (quantized != null) {
            models.put(config.distill() != null ? "student-" + config.quantize().mode()
                    : "teacher-" + config.quantize().mode(), quantized);
        }
        for (Map.Entry<String, LoadedModel> e : models.entrySet()) {
            boolean isTeacher = e.getKey().equals("teacher");
            System.err.println("evaluate: " + e.getKey());
            EvaluationReport rep = Evaluator.evaluate(e.getValue(), in.data(), speed, isTeacher ? null : teacher);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", e.getKey());
            m.put("role", isTeacher ? "teacher" : e.getValue() == quantized ? "quantized" : "student");
            m.put("file", rel(e.getValue().path()));
            m.put("format", rep.format());
            m.put("runtime", rep.backend());
            m.put("params", rep.params());
            m.put("bytes", rep.bytes());
            m.put("acc", rep.metrics().accuracy());
            m.put("macroF1", rep.metrics().macroF1());
            m.put("agreement", rep.agreement());
            if (rep.speed() != null && config.speed()) {
                m.put("p50Ms", rep.speed().p50Ms());
                m.put("p95Ms", rep.speed().p95Ms());
                m.put("b256", rep.speed().throughputSamplesPerS());
            }
            m.put("labels", in.data().labels());
            m.put("confusion", rep.metrics().confusion());
            rows.add(m);
            System.err.printf(Locale.ROOT, "evaluate: %s test accuracy %.4f, %,d bytes%n", e.getKey(),
                    rep.metrics().accuracy(), rep.bytes());
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("teacher", "teacher");
        r.put("split", "test");
        r.put("models", rows);
        return r;
    }

    private Map<String, Object> report() {
        List<Path> files = org.jvmcompress.reports.Report.load(runDir).write(runDir);
        return Map.of("files", files.stream().map(this::rel).toList());
    }

    private Map<String, Object> provenanceBase;
    private Inputs current;

    private void provenance(Inputs in) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("schema", 1);
        p.put("configHash", configHash);
        p.put("config", config);
        p.put("seed", config.seedOr42());
        p.put("task", in.task().name());
        p.put("dataHash", in.data().dataHash());
        if (in.data().source() != null) {
            p.put("data", in.data().source());
        }
        if (!in.data().notes().isEmpty()) {
            p.put("dataNotes", in.data().notes());
        }
        p.put("splitSeed", in.data().splitSeed());
        if (in.teacher() != null) {
            p.put("teacherSha256", Hashing.sha256(in.teacher().path()));
        }
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("suite", Pipeline.class.getPackage().getImplementationVersion() == null ? "0.1.0-SNAPSHOT"
                : Pipeline.class.getPackage().getImplementationVersion());
        v.put("dl4j", Backend.DL4J_VERSION);
        v.put("java", System.getProperty("java.version"));
        p.put("versions", v);
        p.put("backend", Backend.describe());
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("arch", System.getProperty("os.arch"));
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
        p.put("machine", machine);
        provenanceBase = p;
        writeProvenance();
    }

    private void writeProvenance() {
        Map<String, Object> p = new LinkedHashMap<>(provenanceBase);
        p.put("stages", new LinkedHashMap<>(stageTimes));
        Json.writeFile(runDir.resolve("provenance.json"), p);
    }
}
