package org.jvmcompress.core.task;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jvmcompress.core.CompressionException;

/** The registry of tasks, filled here in one place. */
public final class Tasks {
    private static final Map<String, Task> TASKS = new LinkedHashMap<>();

    static {
        add(new CvTask());
        add(new NlpTask());
    }

    private Tasks() {}

    private static void add(Task t) {
        TASKS.put(t.name(), t);
    }

    public static List<String> names() {
        return List.copyOf(TASKS.keySet());
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
        ArchSpec a = ArchSpec.parse(arch == null ? t.architectures().get(0) : arch);
        if (!t.architectures().contains(a.base())) {
            throw new CompressionException("unknown architecture '" + arch + "' for task " + t.name()
                    + "; known: " + String.join(", ", t.architectures())
                    + " (each optionally followed by ,width=X ,depth=X ,blocks=separable)");
        }
        return a.toString();
    }
}
