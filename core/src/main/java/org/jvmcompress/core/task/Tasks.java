package org.jvmcompress.core.task;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;

/** The registry of tasks, filled here in one place. */
public final class Tasks {
    private static final Map<String, Task> TASKS = new LinkedHashMap<>();

    static {
        add(new CvTask());
        add(new NlpTask());
        add(new NlpTask(NlpTask.WORDNET));
    }

    private Tasks() {}

    private static void add(Task t) {
        TASKS.put(t.name(), t);
    }

    public static List<String> names() {
        return List.copyOf(TASKS.keySet());
    }

    /** Prefix of an architecture taken from a user's DL4J model file ("file:my-net.zip"). */
    public static final String FILE = "file:";

    /**
     * A fresh network with the configuration of a user's DL4J model file (its weights are not used: the student
     * learns from scratch), with the training settings' seed.
     */
    public static ComputationGraph fromFile(String arch, TaskData d, TrainConfig c) {
        java.nio.file.Path p = java.nio.file.Path.of(arch.substring(FILE.length()));
        ComputationGraph g = org.jvmcompress.core.model.Models.load(p).graph();
        org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf = g.getConfiguration().clone();
        conf.getDefaultConfiguration().setSeed(c.seed());
        ComputationGraph fresh = new ComputationGraph(conf);
        fresh.init();
        Compatibility.check(fresh, d, "student " + p);
        return fresh;
    }

    /** The task of a user's data: images (class folders of PNG/JPEG, or an IDX pair) are cv, anything else nlp. */
    public static String forData(java.nio.file.Path p) {
        return org.jvmcompress.core.data.DataFiles.looksLikeImages(p) ? "cv" : "nlp";
    }

    /** Whether the task's inputs are texts (token ids), whichever built-in set it names. */
    public static boolean isText(String name) {
        return TASKS.get(name) instanceof NlpTask;
    }

    public static Task get(String name) {
        Task t = name == null ? null : TASKS.get(name);
        if (t == null) {
            throw new CompressionException("unknown task '" + name + "'; known tasks: " + String.join(", ", names()));
        }
        return t;
    }

    /**
     * The architecture in its normal form (the task's default for null): a known base name with optional
     * {@link ArchSpec} changes, or an error listing the known ones.
     */
    public static String checkArchitecture(Task t, String arch) {
        if (arch != null && arch.startsWith(FILE)) {
            java.nio.file.Path p = java.nio.file.Path.of(arch.substring(FILE.length()));
            if (!java.nio.file.Files.isRegularFile(p)) {
                throw new CompressionException("student architecture file not found: " + p);
            }
            return FILE + p.toAbsolutePath().normalize();
        }
        if (arch != null && arch.startsWith(SearchNets.CV)) {
            if (!t.name().equals("cv")) {
                throw new CompressionException("architecture " + arch + " is an image network, not for task " + t.name());
            }
            return SearchNets.parseCv(arch).toString();
        }
        if (arch != null && arch.startsWith(SearchNets.NLP)) {
            if (!isText(t.name())) {
                throw new CompressionException("architecture " + arch + " is a text network, not for task " + t.name());
            }
            return SearchNets.parseNlp(arch).toString();
        }
        ArchSpec a = ArchSpec.parse(arch == null ? t.architectures().get(0) : arch);
        if (!t.architectures().contains(a.base())) {
            throw new CompressionException("unknown architecture '" + arch + "' for task " + t.name()
                    + "; known: " + String.join(", ", t.architectures())
                    + " (each optionally followed by ,width=X ,depth=X ,blocks=separable)");
        }
        return a.toString();
    }
}
