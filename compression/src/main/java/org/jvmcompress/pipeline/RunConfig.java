package org.jvmcompress.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.Tasks;

/**
 * What {@code compression run} does, as JSON (schema 2). Stages run in this order, each one present in the config
 * (all but the teacher may be left out): {@code teacher} (a user's model file, or a reference architecture trained
 * here), {@code distill} (a student from the teacher), {@code quantize} (the student, or the teacher when there is no
 * student, into a quantised file), {@code evaluate} (every model: accuracy, size, agreement with the teacher,
 * speed) and {@code report} (report.json, report.md, report.html, models.csv). {@code constraints} are checked
 * before any work starts. Unknown keys, values of the wrong type and bad values are refused with the key named.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunConfig(Integer schema, String task, Long seed, Integer trainLimit, Teacher teacher, Search search,
                        Distill distill, Quantize quantize, Evaluate evaluate, Report report, Constraints constraints,
                        Data data) {
    public static final int SCHEMA = 2;

    public RunConfig(Integer schema, String task, Long seed, Integer trainLimit, Teacher teacher, Search search,
                     Distill distill, Quantize quantize, Evaluate evaluate, Report report, Constraints constraints) {
        this(schema, task, seed, trainLimit, teacher, search, distill, quantize, evaluate, report, constraints, null);
    }

    /**
     * The data every stage uses, as the command-line options {@code --data}, {@code --test-data}, {@code --labels},
     * {@code --image-size}, {@code --channels}, {@code --max-length} and {@code --resize} say. Absent: the teacher
     * model's own data (what its sidecar records), or the task's built-in set for a teacher trained here.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Data(String train, String test, List<String> labels, String imageSize, Integer channels,
                       Integer maxLength, Boolean resize) {
        /** As a data request (paths as given: relative ones to the working folder). */
        public org.jvmcompress.core.task.DataRequest request(String task) {
            int[] size = imageSize == null ? null
                    : org.jvmcompress.core.task.DataRequest.parseSize(imageSize, "run config: 'data.imageSize'");
            return new org.jvmcompress.core.task.DataRequest(task, train == null ? null : Path.of(train),
                    test == null ? null : Path.of(test), labels, size, channels, maxLength, Boolean.TRUE.equals(resize));
        }
    }

    /** The task: the config's, else what the named data holds (images: cv, texts: nlp), else the teacher's sidecar's. */
    public String taskName() {
        if (task != null) {
            return task;
        }
        if (data != null && (data.train() != null || data.test() != null)) {
            return Tasks.forData(Path.of(data.train() != null ? data.train() : data.test()));
        }
        if (teacher != null && teacher.model() != null) {
            org.jvmcompress.core.model.ModelInfo i = org.jvmcompress.core.model.Models.readSidecar(Path.of(teacher.model()));
            if (i != null) {
                return i.task();
            }
        }
        return null;
    }

    /** A user's model ({@code model}), or an architecture trained here for {@code epochs}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Teacher(String model, String architecture, Integer epochs) {}

    /**
     * Architecture search before distillation: {@code strategy} random | grid | evolution (default), a budget
     * ({@code maxCandidates}, default 20; {@code maxMinutes}), the proxy ({@code proxyEpochs} default 1,
     * {@code proxyLimit} default 5000 training examples), hard limits ({@code maxParams}, default
     * {@code constraints.maxStudentParams}; {@code maxLatencyMs}). The front's most accurate member becomes the
     * distill stage's student unless {@code distill.student} names one.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Search(String strategy, Integer maxCandidates, Double maxMinutes, Integer proxyEpochs,
                         Integer proxyLimit, Long maxParams, Double maxLatencyMs, Integer population, Integer sample) {}

    /**
     * A student ({@code student}: an architecture spec, e.g. "cv-student" or "cv-teacher,width=0.5"; absent: the
     * search's choice, or the task's student without a search) trained for (absent: the task's student schedule,
     * stretched for a small data set)
     * {@code epochs} with {@code method} ("ce" from scratch, or a distillation loss: kd, kd-reverse, kd-js, kd-mse, dkd,
     * kd-std); temperature and alpha (and dkd's {@code beta}) default to the values tuned for the task and loss. The
     * rest is what {@code distill} takes, with the same meaning and defaults: {@code scheme} (offline, mutual,
     * born-again, label, expand), {@code features} (["at:conv4_relu:conv2:100", ...]), {@code peers},
     * {@code generations}, {@code pool}, {@code threshold}, {@code augment}, {@code rounds}, {@code teacherViews},
     * and {@code options} ({"KEY": "VALUE", ...}: a scheme's own options, as {@code --scheme-option}).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Distill(String student, String method, Integer epochs, Double temperature, Double alpha, Double beta,
                          String scheme, List<String> features, List<String> peers, Integer generations, String pool,
                          Double threshold, String augment, Integer rounds, Integer teacherViews,
                          java.util.Map<String, String> options) {
        public Distill(String student, String method, Integer epochs, Double temperature, Double alpha) {
            this(student, method, epochs, temperature, alpha, null, null, null, null, null, null, null, null, null,
                    null, null);
        }

        /** How to distil with the loss {@code m} (the task's tuned one, or the config's). */
        public org.jvmcompress.distill.Distillation.Plan plan(org.jvmcompress.distill.OfflineDistiller.Method m) {
            List<org.jvmcompress.distill.Knowledge> k = new ArrayList<>();
            for (String f : features == null ? List.<String>of() : features) {
                k.add(org.jvmcompress.distill.Knowledge.parse(f));
            }
            return new org.jvmcompress.distill.Distillation.Plan(scheme == null ? "offline" : scheme, m, k, "avg",
                    peers, generations == null ? 2 : generations, pool == null ? "train" : pool,
                    threshold == null ? 0.9 : threshold, augment, rounds == null ? 8 : rounds,
                    teacherViews == null ? 0 : teacherViews, options);
        }
    }

    /**
     * Post-training quantisation; {@code sensitivity} also measures each layer's accuracy drop (int8 modes);
     * {@code qatEpochs} > 0 adds quantisation-aware training after calibration (int8 modes, Adam at 1e-4), on the
     * labels ({@code qatLoss} "ce", the default) or on the distill stage's loss with the teacher's outputs as targets
     * ({@code qatLoss} "distill": the quantised student).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Quantize(String mode, String calibration, Boolean sensitivity, Integer qatEpochs, String qatLoss) {
        public Quantize(String mode, String calibration, Boolean sensitivity) {
            this(mode, calibration, sensitivity, null, null);
        }
    }

    /** {@code speed}: measure latency at batch 1 and throughput at batch 256 (default true). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Evaluate(Boolean speed) {}

    /** {@code enabled}: write the report files (default true). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Report(Boolean enabled) {}

    /** Limits the distilled student must meet, checked before training. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Constraints(Long maxStudentParams) {}

    /** Where the suite's committed reference models live, relative to its home folder. */
    public static final String REFERENCE_CV_TEACHER = "models/reference/cv-teacher.zip";
    public static final String REFERENCE_NLP_TEACHER = "models/reference/nlp-teacher.zip";

    public static final List<String> PRESETS = List.of("cv-quick", "nlp-quick");

    /**
     * The built-in runs, a few minutes each on 2 cores. {@code cv-quick}: the reference CV teacher (the committed
     * one under {@code $COMPRESSION_HOME}; else 2 epochs of the same architecture on 12,000 images), the cv-student
     * distilled from it by KD for 5 epochs on all of Fashion-MNIST, quantised to int8 per channel. {@code nlp-quick}:
     * the reference NLP teacher (else 1 epoch of nlp-cnn on 10,000 reviews), nlp-student distilled for 3 epochs,
     * int8 per channel.
     */
    public static RunConfig preset(String name) {
        String home = System.getenv("COMPRESSION_HOME");
        Path root = Path.of(home == null ? "." : home);
        switch (name) {
            case "cv-quick" -> {
                Path ref = root.resolve(REFERENCE_CV_TEACHER);
                boolean have = Files.isRegularFile(ref);
                return new RunConfig(SCHEMA, "cv", 42L, have ? 0 : 12_000,
                        have ? new Teacher(ref.toAbsolutePath().normalize().toString(), null, null)
                                : new Teacher(null, "cv-teacher", 2), null,
                        new Distill("cv-student", "kd", 5, null, null), new Quantize("int8-per-channel", null, true),
                        new Evaluate(true), new Report(true), null);
            }
            case "nlp-quick" -> {
                Path ref = root.resolve(REFERENCE_NLP_TEACHER);
                boolean have = Files.isRegularFile(ref);
                return new RunConfig(SCHEMA, "nlp", 42L, have ? 0 : 10_000,
                        have ? new Teacher(ref.toAbsolutePath().normalize().toString(), null, null)
                                : new Teacher(null, "nlp-cnn", 1), null,
                        new Distill("nlp-student", "kd", 3, null, null), new Quantize("int8-per-channel", null, true),
                        new Evaluate(true), new Report(true), null);
            }
            default -> throw new CompressionException("unknown preset '" + name + "'; known: " + String.join(", ", PRESETS));
        }
    }

    public long seedOr42() {
        return seed == null ? 42 : seed;
    }

    public int trainLimitOr0() {
        return trainLimit == null ? 0 : trainLimit;
    }

    public boolean speed() {
        return evaluate == null || evaluate.speed() == null || evaluate.speed();
    }

    public boolean reportEnabled() {
        return report == null || report.enabled() == null || report.enabled();
    }

    public String method() {
        return distill == null || distill.method() == null ? "kd" : distill.method();
    }

    /** The stages this config runs, in order. */
    public List<String> stages() {
        List<String> s = new ArrayList<>(List.of("teacher"));
        if (search != null) {
            s.add("search");
        }
        if (distill != null) {
            s.add("distill");
        }
        if (quantize != null) {
            s.add("quantize");
        }
        s.add("evaluate");
        if (reportEnabled()) {
            s.add("report");
        }
        return s;
    }

    /**
     * Checks every value that can be checked without data; throws naming the key. Returns this config.
     */
    public RunConfig validate() {
        if (schema == null || schema != SCHEMA) {
            throw new CompressionException("run config: 'schema' must be " + SCHEMA + ", got " + schema
                    + (schema != null && schema == 1 ? " (schema 1's 'student' stage is now 'distill': {\"student\":"
                    + " ARCH, \"method\", \"epochs\"}; see `compression run --show-preset cv-quick`)" : ""));
        }
        if (data != null) {
            if (data.train() == null && data.test() != null) {
                throw new CompressionException("run config: 'data.test' needs 'data.train' (the training data)");
            }
            if (data.channels() != null && data.channels() != 1 && data.channels() != 3) {
                throw new CompressionException("run config: 'data.channels' must be 1 or 3, got " + data.channels());
            }
            if (data.maxLength() != null && data.maxLength() < 4) {
                throw new CompressionException("run config: 'data.maxLength' must be >= 4, got " + data.maxLength());
            }
            if (data.imageSize() != null) {
                org.jvmcompress.core.task.DataRequest.parseSize(data.imageSize(), "run config: 'data.imageSize'");
            }
            for (String f : new String[] {data.train(), data.test()}) {
                if (f != null && !Files.exists(Path.of(f))) {
                    throw new CompressionException("run config: 'data': no such file or folder: "
                            + Path.of(f).toAbsolutePath());
                }
            }
        }
        if (teacher != null && teacher.model() != null && !Files.isRegularFile(Path.of(teacher.model()))) {
            throw new CompressionException("run config: 'teacher.model': no such file: "
                    + Path.of(teacher.model()).toAbsolutePath());
        }
        if (taskName() == null) {
            throw new CompressionException("run config: 'task' is missing (known: " + String.join(", ", Tasks.names())
                    + "), and neither 'data' nor the teacher's sidecar says it");
        }
        Task t = Tasks.get(taskName());
        if (trainLimit != null && trainLimit < 0) {
            throw new CompressionException("run config: 'trainLimit' must be >= 0 (0 = all), got " + trainLimit);
        }
        if (teacher == null) {
            throw new CompressionException("run config: the 'teacher' stage is missing ({\"model\": FILE} or"
                    + " {\"architecture\": NAME, \"epochs\": N})");
        }
        if ((teacher.model() == null) == (teacher.architecture() == null)) {
            throw new CompressionException("run config: 'teacher' needs exactly one of 'model' (a file) and"
                    + " 'architecture' (trained here)");
        }
        if (teacher.model() != null) {
            Path p = Path.of(teacher.model());
            if (!Files.isRegularFile(p)) {
                throw new CompressionException("run config: 'teacher.model': no such file: " + p.toAbsolutePath());
            }
        } else {
            Tasks.checkArchitecture(t, teacher.architecture());
            if (teacher.epochs() == null || teacher.epochs() < 1) {
                throw new CompressionException("run config: 'teacher.epochs' must be >= 1 to train "
                        + teacher.architecture() + ", got " + teacher.epochs());
            }
        }
        if (distill != null) {
            if (distill.student() != null) {
                Tasks.checkArchitecture(t, distill.student());
            }
            if (distill.epochs() != null && distill.epochs() < 1) {
                throw new CompressionException("run config: 'distill.epochs' must be >= 1, got " + distill.epochs());
            }
            try {
                org.jvmcompress.distill.loss.LogitLosses.create(method(), 1, 0.5);
            } catch (CompressionException e) {
                throw new CompressionException("run config: 'distill.method': " + e.getMessage());
            }
            if (distill.temperature() != null && !(distill.temperature() > 0)) {
                throw new CompressionException("run config: 'distill.temperature' must be > 0, got "
                        + distill.temperature());
            }
            if (distill.alpha() != null && !(distill.alpha() >= 0 && distill.alpha() <= 1)) {
                throw new CompressionException("run config: 'distill.alpha' must be in [0, 1], got " + distill.alpha());
            }
            if (distill.beta() != null && !method().equals("dkd")) {
                throw new CompressionException("run config: 'distill.beta' is the weight of dkd's non-target part; the"
                        + " method here is " + method());
            }
            boolean plain = distill.scheme() == null && distill.features() == null && distill.peers() == null
                    && distill.generations() == null && distill.pool() == null && distill.threshold() == null
                    && distill.augment() == null && distill.rounds() == null && distill.teacherViews() == null
                    && distill.options() == null;
            if (method().equals("ce") && !plain) {
                throw new CompressionException("run config: 'distill.method' ce trains the student from scratch;"
                        + " scheme, features and the scheme's options need a distillation loss");
            }
            try {
                distill.plan(new org.jvmcompress.distill.OfflineDistiller.Method("kd", 1, 0.5));
            } catch (CompressionException e) {
                throw new CompressionException("run config: 'distill': " + e.getMessage());
            }
        }
        if (quantize != null) {
            if (quantize.mode() == null || !org.jvmcompress.quantize.Quantizer.MODES.contains(quantize.mode())) {
                throw new CompressionException("run config: 'quantize.mode' must be one of "
                        + String.join(", ", org.jvmcompress.quantize.Quantizer.MODES) + ", got " + quantize.mode());
            }
            if (quantize.qatEpochs() != null && (quantize.qatEpochs() < 0 || (quantize.qatEpochs() > 0
                    && !org.jvmcompress.quantize.QuantMode.of(quantize.mode()).qat()))) {
                throw new CompressionException("run config: 'quantize.qatEpochs' must be >= 0, and goes with the"
                        + " modes " + String.join(", ", org.jvmcompress.quantize.QuantMode.qatNames()) + "; got "
                        + quantize.qatEpochs() + " with " + quantize.mode());
            }
            if (quantize.qatLoss() != null) {
                if (!quantize.qatLoss().equals("ce") && !quantize.qatLoss().equals("distill")) {
                    throw new CompressionException("run config: 'quantize.qatLoss' is ce (the labels) or distill (the"
                            + " distill stage's loss on the teacher's outputs: the quantised student), got "
                            + quantize.qatLoss());
                }
                if (quantize.qatEpochs() == null || quantize.qatEpochs() == 0) {
                    throw new CompressionException("run config: 'quantize.qatLoss' goes with 'quantize.qatEpochs' > 0");
                }
                if (quantize.qatLoss().equals("distill") && (distill == null || method().equals("ce"))) {
                    throw new CompressionException("run config: 'quantize.qatLoss' distill needs a distill stage with a"
                            + " distillation loss (its method is the QAT loss)");
                }
            }
            if (quantize.calibration() != null
                    && !org.jvmcompress.quantize.Calibration.CHOOSERS.contains(quantize.calibration())) {
                throw new CompressionException("run config: 'quantize.calibration' must be one of "
                        + String.join(", ", org.jvmcompress.quantize.Calibration.CHOOSERS) + ", got "
                        + quantize.calibration());
            }
        }
        if (search != null) {
            try {
                org.jvmcompress.nas.Strategy.of(search.strategy() == null ? "evolution" : search.strategy(),
                        search.population() == null ? 10 : search.population(),
                        search.sample() == null ? 3 : search.sample(), 1);
            } catch (CompressionException e) {
                throw new CompressionException("run config: 'search': " + e.getMessage());
            }
            for (Object[] kv : new Object[][] {{"maxCandidates", search.maxCandidates()},
                    {"proxyEpochs", search.proxyEpochs()}, {"proxyLimit", search.proxyLimit()}}) {
                if (kv[1] != null && ((Integer) kv[1]) < 1) {
                    throw new CompressionException("run config: 'search." + kv[0] + "' must be >= 1, got " + kv[1]);
                }
            }
            if (search.maxMinutes() != null && !(search.maxMinutes() > 0)) {
                throw new CompressionException("run config: 'search.maxMinutes' must be > 0, got " + search.maxMinutes());
            }
        }
        if (constraints != null && constraints.maxStudentParams() != null) {
            if (distill == null) {
                throw new CompressionException("run config: 'constraints.maxStudentParams' needs a 'distill' stage");
            }
            if (constraints.maxStudentParams() < 1) {
                throw new CompressionException("run config: 'constraints.maxStudentParams' must be >= 1, got "
                        + constraints.maxStudentParams());
            }
        }
        return this;
    }

    /**
     * The default pipeline on a user's model and data ({@code run --teacher MODEL --data DIR}): the task's student
     * distilled by KD on the task's student schedule (stretched for a small data set), int8 per channel with per-layer sensitivity, evaluation on
     * the data's test split, and the report.
     */
    public static RunConfig forModel(String model, Data data) {
        return new RunConfig(SCHEMA, null, 42L, 0, new Teacher(model, null, null), null,
                new Distill(null, "kd", null, null, null), new Quantize("int8-per-channel", null, true), new Evaluate(true),
                new Report(true), null, data);
    }

    /** Reads and validates a config file (unknown keys and wrong types named by their key). */
    public static RunConfig read(Path file) {
        return StrictJson.read(file, RunConfig.class, "run config").validate();
    }

    /**
     * The options of {@code distill} this config says, by long name (each with its values), for {@code distill
     * --config}: the task, seed, training limit, the teacher's model file, the data and the distill section. A distill
     * config is a run config; stages that {@code distill} does not run (a teacher trained here, search, quantize,
     * evaluate, report) are refused rather than ignored.
     */
    public Map<String, List<String>> distillOptions() {
        List<String> others = new ArrayList<>();
        if (teacher.model() == null) {
            others.add("teacher.architecture (distill takes a trained teacher: teacher.model)");
        }
        if (search != null) {
            others.add("search");
        }
        if (quantize != null) {
            others.add("quantize");
        }
        if (evaluate != null) {
            others.add("evaluate");
        }
        if (report != null) {
            others.add("report");
        }
        if (constraints != null) {
            others.add("constraints");
        }
        if (!others.isEmpty()) {
            throw new CompressionException("a distill config is a run config's teacher, data and distill sections;"
                    + " this one also has " + String.join(", ", others) + ": run it with `compression run --config`");
        }
        Map<String, List<String>> o = new java.util.LinkedHashMap<>();
        java.util.function.BiConsumer<String, Object> put = (k, v) -> {
            if (v != null) {
                o.put(k, List.of(String.valueOf(v)));
            }
        };
        put.accept("task", task);
        put.accept("seed", seed);
        put.accept("train-limit", trainLimit);
        put.accept("teacher", teacher.model());
        if (data != null) {
            put.accept("data", data.train());
            put.accept("test-data", data.test());
            put.accept("labels", data.labels() == null ? null : String.join(",", data.labels()));
            put.accept("image-size", data.imageSize());
            put.accept("channels", data.channels());
            put.accept("max-length", data.maxLength());
            if (Boolean.TRUE.equals(data.resize())) {
                o.put("resize", List.of());
            }
        }
        if (distill != null) {
            put.accept("student", distill.student());
            put.accept("method", distill.method());
            put.accept("epochs", distill.epochs());
            put.accept("temperature", distill.temperature());
            put.accept("alpha", distill.alpha());
            put.accept("beta", distill.beta());
            put.accept("scheme", distill.scheme());
            if (distill.features() != null) {
                o.put("feature", List.copyOf(distill.features()));
            }
            put.accept("peers", distill.peers() == null ? null : String.join(";", distill.peers()));
            put.accept("generations", distill.generations());
            put.accept("pool", distill.pool());
            put.accept("threshold", distill.threshold());
            put.accept("augment", distill.augment());
            put.accept("rounds", distill.rounds());
            put.accept("teacher-views", distill.teacherViews());
            if (distill.options() != null) {
                o.put("scheme-option", distill.options().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                        .toList());
            }
        }
        return o;
    }

    /** The config with another seed. */
    public RunConfig withSeed(long s) {
        return new RunConfig(schema, task, s, trainLimit, teacher, search, distill, quantize, evaluate, report,
                constraints, data);
    }
}
