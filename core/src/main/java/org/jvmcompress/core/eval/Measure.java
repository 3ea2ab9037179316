package org.jvmcompress.core.eval;

import org.jvmcompress.core.model.Networks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Size and speed of a model. */
public final class Measure {
    private Measure() {}

    /** Latency at batch 1 and throughput at a large batch, after warm-up, on the current backend. */
    public record Speed(double p50Ms, double p95Ms, int latencyRuns, double throughputSamplesPerS, int throughputBatch,
                        int threads) {}

    public static long bytesOnDisk(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stat " + file, e);
        }
    }

    /** Times the network on random inputs of one example's shape, on the float runtime that deployment uses. */
    public static Speed speed(ComputationGraph g, long[] inputShape, boolean tokens, int vocabSize, int latencyRuns,
                              int throughputBatch, double throughputSeconds) {
        org.jvmcompress.core.runtime.InferenceRuntime fast = org.jvmcompress.core.runtime.Engines.inference(g);
        try {
            return speed(fast != null ? fast : x -> g.outputSingle(false, x), inputShape, tokens, vocabSize,
                    latencyRuns, throughputBatch, throughputSeconds);
        } finally {
            if (fast != null) {
                fast.close(); // its buffers for the big batch are native memory the heap does not see
            }
        }
    }

    /** Times any inference function on random inputs of one example's shape. */
    public static Speed speed(java.util.function.UnaryOperator<INDArray> g, long[] inputShape, boolean tokens,
                              int vocabSize, int latencyRuns, int throughputBatch, double throughputSeconds) {
        INDArray one = input(inputShape, 1, tokens, vocabSize);
        INDArray big = input(inputShape, throughputBatch, tokens, vocabSize);
        // Warm-up: at least 20 calls and one second, so that Java kernels are compiled before timing.
        long warmStart = System.nanoTime();
        for (int i = 0; i < 20 || System.nanoTime() - warmStart < 1_000_000_000L; i++) {
            g.apply(one);
        }
        double[] ms = new double[latencyRuns];
        for (int i = 0; i < latencyRuns; i++) {
            long t0 = System.nanoTime();
            g.apply(one);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        for (int i = 0; i < 2; i++) {
            g.apply(big);
        }
        long start = System.nanoTime();
        long samples = 0;
        int reps = 0;
        while (reps < 3 || (System.nanoTime() - start) / 1e9 < throughputSeconds) {
            g.apply(big);
            samples += throughputBatch;
            reps++;
        }
        double secs = (System.nanoTime() - start) / 1e9;
        return new Speed(percentile(ms, 50), percentile(ms, 95), latencyRuns, samples / secs, throughputBatch,
                Nd4j.getEnvironment().maxThreads());
    }

    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static INDArray input(long[] shape, int batch, boolean tokens, int vocabSize) {
        long[] s = new long[shape.length + 1];
        s[0] = batch;
        System.arraycopy(shape, 0, s, 1, shape.length);
        java.util.Random r = new java.util.Random(7);
        long n = 1;
        for (long d : s) {
            n *= d;
        }
        float[] x = new float[(int) n];
        for (int i = 0; i < x.length; i++) {
            x[i] = tokens ? r.nextInt(Math.max(1, vocabSize)) : r.nextFloat();
        }
        return Nd4j.create(x, s, 'c');
    }
}
