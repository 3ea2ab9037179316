package org.jvmcompress.core.runtime;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The ND4J backend this process runs on. {@link #init()} must run before the first network is built: it
 * switches on DL4J's layer helpers (oneDNN on CPU, cuDNN on CUDA), which DL4J 1.0.0-M2.1 leaves off unless the
 * system property {@value #HELPERS_PROPERTY} is {@code false}; the class {@code org.nd4j.nativeblas.Nd4jCpu}
 * in this module makes DL4J's oneDNN check find the native environment again.
 */
public final class Backend {
    public static final String HELPERS_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";
    public static final String DL4J_VERSION = "1.0.0-M2.1";

    private static volatile boolean initialised;

    private Backend() {}

    /** Idempotent; call first thing in every entry point (CLI, tests that build networks). */
    public static synchronized void init() {
        if (initialised) {
            return;
        }
        if (System.getProperty(HELPERS_PROPERTY) == null) {
            System.setProperty(HELPERS_PROPERTY, "false");
        }
        Nd4j.getEnvironment().allowHelpers(true);
        Nd4j.setDefaultDataTypes(org.nd4j.linalg.api.buffer.DataType.FLOAT,
                org.nd4j.linalg.api.buffer.DataType.FLOAT);
        initialised = true;
    }

    /**
     * Whether a switch between the suite's oneDNN paths and DL4J's own ({@code -Dproperty=auto|dl4j}, default auto)
     * says auto; any other value is an error naming the property.
     */
    public static boolean oneDnnPath(String property) {
        return oneDnnEngine(onCpu() ? "CPU" : name(), System.getProperty(property, "auto"), property);
    }

    /**
     * Whether the suite's oneDNN engine runs for this backend and mode: only on the CPU backend (it reads arrays
     * through host pointers, which a CUDA backend's buffers are not) and in mode auto; elsewhere DL4J's own path
     * (cuDNN where present) runs.
     */
    static boolean oneDnnEngine(String backend, String mode, String property) {
        if (!mode.equals("auto") && !mode.equals("dl4j")) {
            throw new org.jvmcompress.core.CompressionException("-D" + property + " takes auto or dl4j, got '" + mode
                    + "'");
        }
        return mode.equals("auto") && "CPU".equalsIgnoreCase(backend);
    }

    private static volatile Boolean cpu;

    /** Whether ND4J runs on its CPU backend (the oneDNN engine's only one). */
    public static boolean onCpu() {
        if (cpu == null) {
            cpu = "CPU".equalsIgnoreCase(name());
        }
        return cpu;
    }

    /** "CPU" or "CUDA", as ND4J reports it. */
    public static String name() {
        Properties p = Nd4j.getExecutioner().getEnvironmentInformation();
        return String.valueOf(p.getProperty("backend", "unknown"));
    }

    /** Whether the native library was built with oneDNN (CPU backend). */
    public static boolean hasOneDnn() {
        try {
            return org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo()
                    .contains("HAVE_ONEDNN");
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Whether DL4J will hand oneDNN helpers to layers now. */
    public static boolean oneDnnHelpersActive() {
        return !"true".equalsIgnoreCase(System.getProperty(HELPERS_PROPERTY, "true"))
                && org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper.mklDnnEnabled();
    }

    /** For provenance and {@code data info}: library versions, backend, CPU features, Java. */
    public static Map<String, Object> describe() {
        init();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dl4j", DL4J_VERSION);
        m.put("backend", name());
        m.put("onednn", hasOneDnn());
        m.put("helpers", oneDnnHelpersActive());
        m.put("java", System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("cores", Runtime.getRuntime().availableProcessors());
        return m;
    }
}
