package org.jvmcompress.engine;

import org.jvmcompress.core.runtime.Backend;
import java.nio.FloatBuffer;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * DL4J's Adam step done in one pass in Java. ND4J M2.1's {@code adam_updater} op takes about 3.5 ns an element on
 * this machine (2.3 ms for nlp-student's 640k parameters, more than the rest of its training step, 10 ms for the
 * BiLSTM teacher's 2.8M); this is the same arithmetic in float, as the op does it (bias correction folded into the
 * step size), on the same gradient and state arrays, elements split across the cores. It replaces the updater of
 * each Adam block of a graph's DL4J updater, so DL4J's {@code fit}, the native trainers, checkpoints (the state array
 * is DL4J's) and schedules see nothing else change. Arrays it cannot address plainly go to the op.
 */
public final class FusedAdam extends AdamUpdater {
    /** Below this many elements a block is updated on the calling thread. */
    private static final int PARALLEL_FROM = 1 << 16;
    /** Elements a thread copies out, steps and writes back at a time (three of them fit in L1/L2). */
    private static final int CHUNK = 4096;

    /** Steps taken by the fused loop (not handed to the op). */
    long fusedSteps;

    FusedAdam(AdamUpdater from) {
        super(from.getConfig());
        setM(from.getM());
        setV(from.getV());
        setGradientReshapeOrder(from.getGradientReshapeOrder());
    }

    /**
     * Puts the fused step in place of ND4J's in every Adam block of {@code g}'s updater (creating the updater);
     * {@code -Dcompression.trainer=dl4j} leaves DL4J's.
     */
    public static void install(ComputationGraph g) {
        if (!Backend.oneDnnPath(NativeTrainer.PROPERTY)) {
            return;
        }
        for (UpdaterBlock b : g.getUpdater().getUpdaterBlocks()) {
            if (b.getGradientUpdater() != null && b.getGradientUpdater().getClass() == AdamUpdater.class) {
                b.setGradientUpdater(new FusedAdam((AdamUpdater) b.getGradientUpdater()));
            }
        }
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        INDArray m = getM();
        INDArray v = getV();
        if (m == null || v == null) {
            throw new IllegalStateException("Updater has not been initialized with view state");
        }
        int n = (int) gradient.length();
        if (!plain(gradient, n) || !plain(m, n) || !plain(v, n)) {
            super.applyUpdater(gradient, iteration, epoch);
            return;
        }
        run(view(gradient, n), null, 1f, n, iteration, epoch);
    }

    /**
     * The step straight onto the parameters, {@code params -= update(gradient / divisor)}: what DL4J's updater (the
     * division by the batch size, then this step) and the trainer's subtraction of the update do, in one pass over
     * the arrays instead of three, with the same float arithmetic. The gradient array keeps the gradient. Returns
     * false, doing nothing, when an array is not a plain float array of the gradient's length.
     */
    boolean stepInto(INDArray gradient, INDArray params, float divisor, int iteration, int epoch) {
        INDArray m = getM();
        INDArray v = getV();
        int n = (int) gradient.length();
        if (m == null || v == null || !plain(gradient, n) || !plain(params, n) || !plain(m, n) || !plain(v, n)) {
            return false;
        }
        run(view(gradient, n), view(params, n), divisor, n, iteration, epoch);
        return true;
    }

    /** Adam over n elements: the update into g, or (params given) subtracted from the parameters. */
    private void run(FloatBuffer g, FloatBuffer params, float divisor, int n, int iteration, int epoch) {
        Adam c = getConfig();
        float b1 = (float) c.getBeta1();
        float b2 = (float) c.getBeta2();
        float eps = (float) c.getEpsilon();
        float b1t = (float) Math.pow(b1, iteration + 1);
        float b2t = (float) Math.pow(b2, iteration + 1);
        float step = (float) c.getLearningRate(iteration, epoch) * (float) Math.sqrt(1f - b2t) / (1f - b1t);
        if (Float.isNaN(step) || Float.isInfinite(step) || step == 0) {
            step = eps;
        }
        float stepSize = step;
        fusedSteps++;
        FloatBuffer mb = view(getM(), n);
        FloatBuffer vb = view(getV(), n);
        int parts = n < PARALLEL_FROM ? 1 : Runtime.getRuntime().availableProcessors();
        IntStream range = IntStream.range(0, parts);
        (parts > 1 ? range.parallel() : range).forEach(p -> {
            float c1 = 1f - b1;
            float c2 = 1f - b2;
            float[] gc = new float[CHUNK];
            float[] mc = new float[CHUNK];
            float[] vc = new float[CHUNK];
            float[] pc = params == null ? null : new float[CHUNK];
            int end = (int) ((long) (p + 1) * n / parts);
            // In chunks copied to arrays: a loop over arrays vectorises, one over the buffers does not.
            for (int from = (int) ((long) p * n / parts); from < end; from += CHUNK) {
                int len = Math.min(CHUNK, end - from);
                g.get(from, gc, 0, len);
                mb.get(from, mc, 0, len);
                vb.get(from, vc, 0, len);
                for (int i = 0; i < len; i++) {
                    float gi = gc[i] / divisor;
                    float mi = b1 * mc[i] + gi * c1;
                    float vi = b2 * vc[i] + gi * gi * c2;
                    mc[i] = mi;
                    vc[i] = vi;
                    gc[i] = mi * stepSize / ((float) Math.sqrt(vi) + eps);
                }
                if (pc == null) {
                    g.put(from, gc, 0, len);
                } else { // the update, still in L1, subtracted; the gradient array keeps the gradient
                    params.get(from, pc, 0, len);
                    for (int i = 0; i < len; i++) {
                        pc[i] -= gc[i];
                    }
                    params.put(from, pc, 0, len);
                }
                mb.put(from, mc, 0, len);
                vb.put(from, vc, 0, len);
            }
        });
    }

    /** A float array laid out as {@code n} consecutive elements. */
    private static boolean plain(INDArray a, int n) {
        return a.dataType() == DataType.FLOAT && a.length() == n && (a.rank() <= 1 || a.isVector())
                && a.elementWiseStride() == 1 && a.offset() == a.data().offset();
    }

    private static FloatBuffer view(INDArray a, int n) {
        return new FloatPointer(NativeTrainer.at(NativeTrainer.address(a))).capacity(n).asBuffer();
    }
}
