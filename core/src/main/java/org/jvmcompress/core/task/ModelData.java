package org.jvmcompress.core.task;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.DataFiles;
import org.jvmcompress.core.data.DataHome;
import org.jvmcompress.core.data.DataSource;
import org.jvmcompress.core.data.ImageFolder;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.ModelInfo;

/**
 * The one place that decides which data a command uses for a model. By default the model's own: the data its
 * sidecar records (a built-in set, or the user's files, whose content must still hash to what was recorded). Data
 * the user names ({@code --data}, {@code --test-data}) is read in the model's encoding and classes, and said to be
 * new in the output and the records. Whatever does not fit is refused with a message naming both sides and the
 * option that chooses: changed or missing files, another task, classes the model does not have, images of another
 * size, a model that records no data and is given none.
 */
public final class ModelData {
    private ModelData() {}

    /** The data, and the model with its sidecar (made from the data for a model that came without one). */
    public record Resolved(TaskData data, LoadedModel model) {
        public ModelInfo info() {
            return model.info();
        }
    }

    /**
     * @param m        the model (its sidecar may be null: a Keras or ONNX file, a bare DL4J zip)
     * @param req      what the user named
     * @param seed     the split seed for a model without a sidecar (a sidecar's own split seed wins)
     * @param role     "teacher", "model": how messages name the model
     * @param training whether the command trains or calibrates: a request naming only a test set then keeps the
     *                 model's recorded training data beside it
     */
    public static Resolved resolve(LoadedModel m, DataRequest req, DataHome home, long seed, String role,
                                   boolean training) {
        ModelInfo info = m.info();
        String what = role + " " + m.path();
        if (info != null && req.task() != null && !req.task().equals(info.task())) {
            throw new CompressionException(what + " is a " + info.task() + " model (its sidecar says so); --task "
                    + req.task() + " does not fit it");
        }
        if (info == null) {
            return imported(m, req, home, seed, what);
        }
        refuseOtherEncoding(info, req, what);
        Task task = Tasks.get(info.task());
        TaskData data;
        if (training && req.data() == null && req.testData() != null && info.data() != null
                && !info.data().isBuiltin()) {
            req = new DataRequest(req.task(), recorded(info.data(), what).data(), req.testData(), req.labels(),
                    req.imageSize(), req.channels(), req.maxLength(), req.resize());
        }
        if (training && req.data() == null && req.testData() != null) {
            throw new CompressionException("--test-data names only a test set; this command also trains or calibrates:"
                    + " name the training data with --data PATH");
        }
        if (req.namesFiles()) {
            data = task.fromFiles(req, info.split(), info);
            boolean same = info.data() != null && (req.data() == null
                    ? Objects.equals(hash(info.data().test()), hash(data.source().test()))
                    : sameFiles(info.data(), data.source()));
            if (!same) {
                data = data.withNote("new data for this model: " + data.source().describe() + "; the model was trained on "
                        + (info.data() != null ? info.data().describe() : "data its sidecar does not name")
                        + " (same classes and encoding)");
            }
        } else if (info.data() == null) {
            String builtin = task.builtinHash(info.split(), info);
            if (builtin == null || !builtin.equals(info.dataHash())) {
                throw new CompressionException(what + " was trained on data its sidecar does not name (it was written"
                        + " before data sources were recorded), and its data hash " + shortHash(info.dataHash())
                        + " is not the built-in " + info.task() + " split's " + shortHash(builtin) + "; name the data"
                        + " with --data PATH (and --test-data PATH)");
            }
            data = task.load(home, info.split(), info);
        } else if (info.data().isBuiltin()) {
            data = task.load(home, info.split(), info);
        } else {
            data = task.fromFiles(recorded(info.data(), what), info.split(), info);
        }
        Compatibility.check(m, data, what);
        announce(data);
        return new Resolved(data, m);
    }

    /** Options that would read data differently from how the model's sidecar says it takes it are refused. */
    private static void refuseOtherEncoding(ModelInfo info, DataRequest req, String what) {
        long[] s = info.inputShape();
        String why = null;
        if (req.labels() != null && !req.labels().equals(info.labels())) {
            why = "--labels " + String.join(",", req.labels()) + " is not its class order " + info.labels();
        } else if ("image".equals(info.input()) && ((req.channels() != null && req.channels() != s[0])
                || (req.imageSize() != null && (req.imageSize()[0] != s[1] || req.imageSize()[1] != s[2])))) {
            why = "--channels/--image-size ask for other input than its " + s[0] + "x" + s[1] + "x" + s[2]
                    + " (--resize reads images of another size at its size)";
        } else if ("tokens".equals(info.input()) && req.maxLength() != null && req.maxLength() != s[0]) {
            why = "--max-length " + req.maxLength() + " is not its length " + s[0];
        }
        if (why != null) {
            throw new CompressionException(what + " records how it takes its input in its sidecar: " + why);
        }
    }

    /** The recorded files as a request, after checking that they are still there and unchanged. */
    static DataRequest recorded(DataSource src, String what) {
        Path train = check(src.train(), what, "--data");
        Path test = check(src.test(), what, "--test-data");
        return new DataRequest(null, train, test, null, null, null, null, false);
    }

    private static Path check(DataSource.Part part, String what, String option) {
        if (part == null) {
            return null;
        }
        Path p = Path.of(part.path());
        if (!Files.exists(p)) {
            throw new CompressionException(what + " was trained on " + part.describe() + ", which is not there any"
                    + " more; name its data with " + option + " PATH");
        }
        String now = DataFiles.sha256(p);
        if (!now.equals(part.sha256())) {
            throw new CompressionException(what + " was trained on " + part.path() + " with sha256 "
                    + shortHash(part.sha256()) + ", but the files there now hash to " + shortHash(now)
                    + " (changed since); to use them as they are now, name them with " + option + " " + part.path());
        }
        return p;
    }

    private static boolean sameFiles(DataSource a, DataSource b) {
        return a != null && b != null && Objects.equals(hash(a.train()), hash(b.train()))
                && Objects.equals(hash(a.test()), hash(b.test())) && Objects.equals(a.splitSeed(), b.splitSeed());
    }

    private static String hash(DataSource.Part p) {
        return p == null ? null : p.sha256();
    }

    static String shortHash(String h) {
        return h == null ? "(none)" : h.substring(0, Math.min(12, h.length()));
    }

    /** A model without a sidecar: its data must be named, by files or by a built-in task. */
    private static Resolved imported(LoadedModel m, DataRequest req, DataHome home, long seed, String what) {
        String taskName = req.task();
        if (taskName == null && req.namesFiles()) {
            taskName = Tasks.forData(req.data() != null ? req.data() : req.testData());
        }
        if (taskName == null) {
            throw new CompressionException(what + " has no sidecar (.json) naming its task, classes and data; name its"
                    + " data with --data PATH (and --test-data PATH), or a built-in set with --task ("
                    + String.join(", ", Tasks.names()) + ")");
        }
        Task task = Tasks.get(taskName);
        if (!taskName.equals("cv")) {
            throw new CompressionException(what + " has no sidecar, so it has no vocabulary to turn texts into its"
                    + " tokens; only image models can be used without one");
        }
        TaskData data;
        if (!req.namesFiles()) {
            data = task.load(home, seed, null);
            data = data.withNote("the model has no sidecar: it is taken to be a model of the built-in " + taskName
                    + " data, with its classes in this order: " + data.labels());
        } else {
            Path first = req.data() != null ? req.data() : req.testData();
            List<String> labels = req.labels() != null ? req.labels() : classNames(first);
            // The network does not record its input's height and width: the data's (or --image-size) are used,
            // and a network that cannot take them is refused by the probe below.
            long[] shape = CvTask.imageShape(req, inputChannels(m));
            ModelInfo enc = new ModelInfo(ModelInfo.SCHEMA, "cv", m.format(), labels, shape, "image",
                    java.util.Map.of("scale", 1.0 / 255, "layout", "NCHW"), null, null, seed, null, null, null, seed);
            data = task.fromFiles(req, seed, enc);
            if (req.labels() == null) {
                data = data.withNote("the model has no sidecar: its outputs are taken to be the classes in sorted"
                        + " order " + labels + " (--labels a,b,c gives the model's order)");
            }
        }
        checkOutputs(m, data, what);
        ModelInfo info = ModelData.describing(taskName, m.format() + ":" + m.path().getFileName(), data);
        announce(data);
        return new Resolved(data, m.withInfo(info));
    }

    /** Refuses a model whose class count is not the data's, naming both (before any other probe). */
    private static void checkOutputs(LoadedModel m, TaskData data, String what) {
        try {
            Compatibility.check(m, data, what);
        } catch (CompressionException e) {
            throw new CompressionException(e.getMessage() + "; the data's classes are " + data.labels()
                    + " (--labels gives the model's classes in output order; --image-size HxW, --channels N and"
                    + " --resize read images at the model's size)", e);
        }
    }

    /** The sorted class-folder names of an image folder (an IDX pair's labels are its numbers). */
    private static List<String> classNames(Path dir) {
        List<String> names = new ArrayList<>();
        boolean idx;
        try (var s = Files.list(dir)) {
            idx = s.anyMatch(f -> f.getFileName().toString().contains("idx"));
        } catch (java.io.IOException e) {
            throw new CompressionException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        if (idx) {
            return new CvTask().fromFiles(new DataRequest("cv", null, dir, null, null, null, null, false), 0, null)
                    .labels();
        }
        for (Path c : ImageFolder.classFolders(dir)) {
            names.add(c.getFileName().toString());
        }
        return names;
    }

    /** The channel count of a DL4J network's first convolution (imported from Keras or saved bare), or null. */
    private static Integer inputChannels(LoadedModel m) {
        if (m.graph() == null) {
            return null;
        }
        for (var v : m.graph().getVertices()) {
            if (v.hasLayer() && v.getInputVertices() != null && v.getLayer().conf().getLayer()
                    instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer c
                    && m.graph().getConfiguration().getVertexInputs().get(v.getVertexName()).stream()
                    .anyMatch(m.graph().getConfiguration().getNetworkInputs()::contains)) {
                return (int) c.getNIn();
            }
        }
        return null;
    }

    /** Prints where the data comes from and what the user should know about it. */
    public static void announce(TaskData data) {
        if (data.source() != null) {
            System.err.println("data: " + data.source().describe());
        }
        for (String n : data.notes()) {
            System.err.println("note: " + n);
        }
    }

    /**
     * A sidecar for a model that came without one (a Keras or ONNX file): it takes {@code data}'s task, labels,
     * input and split, so that the model is used on that data as it is.
     */
    public static ModelInfo describing(String task, String architecture, TaskData data) {
        return new ModelInfo(ModelInfo.SCHEMA, task, architecture, data.labels(), data.inputShape(), data.input(),
                data.preprocessing(), data.vocabulary(), null, data.splitSeed(), data.dataHash(), null,
                java.time.Instant.now().toString(), data.splitSeed(), data.source());
    }
}
