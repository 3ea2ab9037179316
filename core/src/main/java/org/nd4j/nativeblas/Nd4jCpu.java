package org.nd4j.nativeblas;

/**
 * Compatibility shim, not an ND4J class. DL4J 1.0.0-M2.1's {@code BaseMKLDNNHelper.mklDnnEnabled()} looks the
 * native environment up by reflection under this old name ({@code org.nd4j.nativeblas.Nd4jCpu$Environment},
 * method {@code isUseMKLDNN()}), but M2.1 moved it to
 * {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} with {@code isUseONEDNN()}. Without this
 * class every oneDNN layer helper is silently refused and ComputationGraph convolutions run about 4x slower.
 * It forwards to the real environment; see {@code org.jvmcompress.core.runtime.Backend}.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {}

    /** Answers the two calls DL4J makes, from the real M2.1 environment. */
    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        private Environment() {}

        public static Environment getInstance() {
            return INSTANCE;
        }

        public boolean isUseMKLDNN() {
            try {
                Class<?> c = Class.forName("org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment");
                Object env = c.getMethod("getInstance").invoke(null);
                return (Boolean) c.getMethod("isUseONEDNN").invoke(env);
            } catch (ReflectiveOperationException | LinkageError e) {
                return false;
            }
        }
    }
}
