package org.jvmcompress.bench;

import org.jvmcompress.core.model.Networks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.Batches;
import org.jvmcompress.core.runtime.Engines;
import org.jvmcompress.core.runtime.InferenceRuntime;
import org.jvmcompress.core.task.ArchSpec;
import org.jvmcompress.core.task.Architectures;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainingSetup;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.jvmcompress.distill.OutputLoss;
import org.jvmcompress.distill.loss.DistillationLossFunction;
import org.jvmcompress.quantize.Int8Runtime;
import org.jvmcompress.quantize.QuantizedModel;
import org.jvmcompress.quantize.Quantizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The speed side of {@code bench}: the reference benchmark of shared/BENCHMARKS.md, the same models, batch sizes and steps as the
 * PyTorch peer ({@code bench/peer/torch_peer.py}), on random inputs of the real shapes; one figure per key, with the
 * peer's names ({@code cv.teacher_train_samples_per_s}). Inference and the
 * teacher's forward pass in the KD step run on the path the suite uses ({@link Engines#inference}, oneDNN float, where
 * it applies); training on DL4J. Project-only figures: the same inference on DL4J ({@code *_dl4j_*}), the student's
 * plain training step, int8 inference on the oneDNN runtime, one real KD epoch of cv-student on Fashion-MNIST with
 * the reference teacher's outputs cached ({@code cv.kd_epoch_s}, for 60,000 images), and the peak resident memory.
 */
public final class SpeedBenchmark {
    /**
     * @param tasks     cv and nlp: the reference steps; kd: the real KD epoch
     * @param kdTeacher the teacher of the KD epoch (figure left out when the file is missing)
     * @param output    where the KD epoch's teacher outputs go
     */
    public record Settings(List<String> tasks, int reps, Path kdTeacher, int kdBatch, Path output,
                           org.jvmcompress.core.data.DataHome home) {
        public Settings {
            for (String t : tasks) {
                if (!List.of("cv", "nlp", "kd").contains(t)) {
                    throw new CompressionException("--tasks takes cv, nlp and kd, got '" + t + "'");
                }
            }
        }
    }

    private SpeedBenchmark() {}

    /** Items per second of {@code n} items per call: {@code warm} untimed calls, then {@code reps} timed. */
    /**
     * Items per second of {@code reps} calls of fn, after {@code warm} calls and at least a second of warm-up: the
     * JIT compiles the Java parts (token lookups, small dense layers) only after many calls, and a figure taken before
     * that would time the interpreter, not what a running service sees. Timed over at least {@code reps} calls and a
     * second.
     */
    static double rate(Runnable fn, int n, int warm, int reps) {
        long start = System.nanoTime();
        for (int i = 0; i < warm || System.nanoTime() - start < 1_000_000_000L; i++) {
            fn.run();
        }
        long t = System.nanoTime();
        int calls = 0;
        while (calls < reps || System.nanoTime() - t < 1_000_000_000L) {
            fn.run();
            calls++;
        }
        return (double) n * calls / ((System.nanoTime() - t) / 1e9);
    }

    /** Every figure, by the peer's names, in the order measured. */
    public static Map<String, Object> measure(Settings settings) {
        int reps = settings.reps();
        List<String> tasks = settings.tasks();
        Map<String, Object> out = new LinkedHashMap<>();
        for (String task : tasks) {
            if (task.equals("kd")) {
                continue;
            }
            boolean cv = task.equals("cv");
            TrainConfig c = new TrainConfig(cv ? "cv-teacher" : "nlp-teacher", 1, cv ? 128 : 64, 1e-3, 1.0, 1, 0, 0, 0);
            ComputationGraph teacher = cv ? Architectures.cvTeacher(1, 28, 28, 10, c)
                    : Architectures.nlpBiLstm(20_000, 256, 2, c);
            ComputationGraph student = cv ? Architectures.cvStudent(1, 28, 28, 10, c)
                    : Architectures.nlpStudent(ArchSpec.parse("nlp-student"), 20_000, 256, 2, c);
            int b = cv ? 128 : 64;
            int k = cv ? 10 : 2;
            INDArray x = input(cv, b);
            int[] yIdx = new int[b];
            int[] rows = new int[b];
            java.util.Random r = new java.util.Random(0);
            for (int i = 0; i < b; i++) {
                yIdx[i] = r.nextInt(k);
                rows[i] = i;
            }
            INDArray y = Batches.oneHot(yIdx, rows, k);
            TrainingSetup.prepare(teacher); // as Trainer does
            TrainingSetup.prepare(student);
            InferenceRuntime tFast = Engines.inference(teacher);
            InferenceRuntime sFast = Engines.inference(student);
            java.util.function.UnaryOperator<INDArray> tInfer = tFast != null ? tFast : z -> teacher.outputSingle(false, z);
            java.util.function.UnaryOperator<INDArray> sInfer = sFast != null ? sFast : z -> student.outputSingle(false, z);
            out.put(task + ".inference_runtime", tFast != null ? tFast.toString() : "DL4J");
            out.put(task + ".teacher_trainer", TrainingSetup.trainerOf(teacher));
            out.put(task + ".student_trainer", TrainingSetup.trainerOf(student));
            System.err.println(task + ": teacher train steps");
            out.put(task + ".teacher_train_samples_per_s", rate(() -> TrainingSetup.fit(teacher, new MultiDataSet(x, y)),
                    b, 3, reps));
            OutputLoss.set(student, new DistillationLossFunction("kd", 4, 0.9));
            System.err.println(task + ": KD steps (teacher forward + student step)");
            out.put(task + ".kd_student_train_samples_per_s", rate(() -> {
                INDArray p = tInfer.apply(x);
                INDArray logits = org.nd4j.linalg.ops.transforms.Transforms.log(p.add(1e-30), false);
                TrainingSetup.fit(student, new MultiDataSet(x, DistillationLossFunction.packLabels(logits, y)));
            }, b, 3, reps));
            OutputLoss.set(student, new org.nd4j.linalg.lossfunctions.impl.LossMCXENT());
            System.err.println(task + ": student train steps (cross-entropy only)");
            out.put(task + ".student_train_samples_per_s", rate(() -> TrainingSetup.fit(student, new MultiDataSet(x, y)),
                    b, 3, reps));
            INDArray xb = input(cv, 256);
            INDArray x1 = input(cv, 1);
            System.err.println(task + ": inference");
            out.put(task + ".teacher_infer_b256_samples_per_s", rate(() -> tInfer.apply(xb), 256, 3, reps));
            out.put(task + ".student_infer_b256_samples_per_s", rate(() -> sInfer.apply(xb), 256, 3, reps));
            out.put(task + ".student_infer_b1_ms", 1000.0 / rate(() -> sInfer.apply(x1), 1, 200, 2000));
            System.err.println(task + ": inference on DL4J");
            out.put(task + ".teacher_infer_b256_dl4j_samples_per_s", rate(() -> teacher.outputSingle(false, xb), 256,
                    1, Math.max(2, reps / 3)));
            out.put(task + ".student_infer_b256_dl4j_samples_per_s", rate(() -> student.outputSingle(false, xb), 256,
                    3, reps));
            out.put(task + ".student_infer_b1_dl4j_ms", 1000.0 / rate(() -> student.outputSingle(false, x1), 1, 10,
                    200));
            out.put(task + ".teacher_params", Networks.trainableParams(teacher));
            out.put(task + ".student_params", Networks.trainableParams(student));
            int8(task, cv ? "teacher" : null, teacher, cv, xb, reps, out);
            int8(task, "student", student, cv, xb, reps, out);
        }
        if (tasks.contains("kd")) {
            kdEpoch(settings, out);
        }
        // Alone, the KD epoch's own peak (the memory figure); otherwise the whole benchmark's.
        out.put(tasks.equals(List.of("kd")) ? "cv.kd_peak_rss_mb" : "peak_rss_mb", peakRssMb());
        return out;
    }

    /**
     * One real epoch of KD (the suite's default recipe) of cv-student on Fashion-MNIST's training split, the
     * reference teacher's outputs computed first (timed apart, {@code cv.kd_teacher_pass_s}) and cached, as
     * {@code distill} does; {@code cv.kd_epoch_s} is the epoch scaled to 60,000 images.
     */
    private static void kdEpoch(Settings settings, Map<String, Object> out) {
        Path file = settings.kdTeacher();
        if (!Files.isRegularFile(file)) {
            System.err.println("no KD epoch figure: teacher " + file + " not found");
            return;
        }
        org.jvmcompress.core.model.LoadedModel t = org.jvmcompress.core.model.Models.load(file);
        org.jvmcompress.core.task.Task task = org.jvmcompress.core.task.Tasks.get("cv");
        org.jvmcompress.core.task.TaskData d = task.load(settings.home(), t.info() == null ? 1 : t.info().split(),
                t.info());
        Path cache = settings.output().resolve("teacher-outputs");
        String key = org.jvmcompress.distill.TeacherOutputs.key(file, d.dataHash(), "none");
        org.jvmcompress.core.util.AtomicFiles.deleteQuietly(cache.resolve("teacher-logits-" + key + ".bin"));
        System.err.println("cv: real KD epoch (" + d.train().size() + " training images)");
        long t0 = System.nanoTime();
        org.jvmcompress.distill.TeacherOutputs.cached(t.inference(), d.train(), cache, key);
        out.put("cv.kd_teacher_pass_s", (System.nanoTime() - t0) / 1e9);
        org.jvmcompress.distill.OfflineDistiller.Method m = new org.jvmcompress.distill.OfflineDistiller.Method("kd",
                1, 0.5);
        org.jvmcompress.core.task.TaskData kd = org.jvmcompress.distill.OfflineDistiller.withTeacherTargets(t, d, m,
                cache);
        int batch = settings.kdBatch();
        TrainConfig c = new TrainConfig("cv-student", 1, batch, 1e-3, 1.0, 1, 0, 1, 0);
        ComputationGraph s = task.build("cv-student", d, c);
        TrainingSetup.prepare(s);
        OutputLoss.set(s, m.lossFunction());
        Batches batches = new Batches(kd.train(), batch, true, 1);
        batches.setEpoch(1);
        t0 = System.nanoTime();
        try (var it = batches.prefetchedMulti();
             org.jvmcompress.core.util.ProgressBar bar = new org.jvmcompress.core.util.ProgressBar("KD epoch",
                     kd.train().size(), "samples")) {
            while (it.hasNext()) {
                org.nd4j.linalg.dataset.api.MultiDataSet ds = it.next();
                TrainingSetup.fit(s, ds);
                bar.step(ds.getFeatures(0).size(0));
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        out.put("cv.kd_epoch_samples_per_s", kd.train().size() / secs);
        out.put("cv.kd_epoch_s", secs * 60_000.0 / kd.train().size());
        out.put("cv.kd_epoch_batch", batch);
    }

    /** Int8 inference on the oneDNN runtime, weights and ranges from the network itself (random data calibrates). */
    private static void int8(String task, String role, ComputationGraph g, boolean cv, INDArray xb, int reps,
                             Map<String, Object> out) {
        if (role == null || !Int8Runtime.available()) {
            return;
        }
        // Images as the suite feeds them, scaled to [0, 1] (the peer's randn inputs would be signed).
        INDArray calib = cv ? Nd4j.rand(DataType.FLOAT, 256, 1, 28, 28) : input(false, 256);
        INDArray timed = cv ? Nd4j.rand(DataType.FLOAT, 256, 1, 28, 28) : xb;
        Batches.Source src = new Batches.Source() {
            public int size() {
                return 256;
            }

            public int numClasses() {
                return cv ? 10 : 2;
            }

            public List<String> labelNames() {
                return null;
            }

            public org.nd4j.linalg.dataset.DataSet make(int[] idx) {
                INDArray f = calib.get(org.nd4j.linalg.indexing.NDArrayIndex.indices(java.util.Arrays.stream(idx)
                        .asLongStream().toArray()));
                return new org.nd4j.linalg.dataset.DataSet(f, Nd4j.zeros(idx.length, cv ? 10 : 2));
            }
        };
        QuantizedModel q = Quantizer.quantize(g, src, Quantizer.Settings.of("int8-per-channel").withItems(256));
        java.util.function.UnaryOperator<INDArray> run;
        try {
            run = q.integerRuntime().run(); // what QuantizedModel.load runs
        } catch (CompressionException e) {
            System.err.println(task + " " + role + ": no int8 figure: " + e.getMessage());
            return;
        }
        out.put(task + "." + role + "_int8_infer_b256_samples_per_s", rate(() -> run.apply(timed), 256, 3, reps));
    }

    static INDArray input(boolean cv, int b) {
        if (cv) {
            return Nd4j.randn(DataType.FLOAT, b, 1, 28, 28);
        }
        return Nd4j.rand(DataType.FLOAT, b, 256).muli(20_000).castTo(DataType.INT32).castTo(DataType.FLOAT);
    }

    static long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
