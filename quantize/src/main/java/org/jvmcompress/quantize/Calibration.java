package org.jvmcompress.quantize;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.Batches;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Activation ranges for static quantisation, from the values that reach each quantised layer's input on a sample of
 * training data. Range choosers: {@code minmax} (the observed extremes), {@code percentile} (the 0.01 % and
 * 99.99 % quantiles, so that rare outliers are clipped), {@code mse} (the clipping range, searched between the
 * 99 % quantile and the maximum, whose fake-quantised values are closest to the originals in mean squared error).
 */
public final class Calibration {
    public static final List<String> CHOOSERS = List.of("minmax", "percentile", "mse");

    private Calibration() {}

    public static String check(String chooser) {
        if (!CHOOSERS.contains(chooser)) {
            throw new CompressionException("unknown calibration '" + chooser + "'; known: " + String.join(", ", CHOOSERS));
        }
        return chooser;
    }

    /**
     * Up to {@code perLayer} values (evenly strided) of the input of each of {@code layers}, over the first
     * {@code items} items of {@code data}.
     */
    public static Map<String, float[]> sample(ComputationGraph g, List<String> layers, Batches.Source data, int items,
                                              int perLayer) {
        int n = Math.min(items, data.size());
        Map<String, float[]> out = new LinkedHashMap<>();
        Map<String, Integer> filled = new LinkedHashMap<>();
        for (String l : layers) {
            out.put(l, new float[perLayer]);
            filled.put(l, 0);
        }
        int batch = 128;
        for (int start = 0; start < n; start += batch) {
            int end = Math.min(n, start + batch);
            int[] idx = new int[end - start];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = start + i;
            }
            DataSet ds = data.make(idx);
            Map<String, INDArray> acts = g.feedForward(ds.getFeatures(), false);
            for (String l : layers) {
                String in = g.getConfiguration().getVertexInputs().get(l).get(0);
                INDArray a = in.equals(g.getConfiguration().getNetworkInputs().get(0)) ? ds.getFeatures() : acts.get(in);
                float[] v = a.castTo(DataType.FLOAT).data().asFloat();
                // An even share of this layer's budget per batch.
                int share = (int) Math.ceil(perLayer * (double) idx.length / n);
                int stride = Math.max(1, v.length / Math.max(1, share));
                float[] dst = out.get(l);
                int f = filled.get(l);
                for (int i = 0; i < v.length && f < dst.length; i += stride) {
                    dst[f++] = v[i];
                }
                filled.put(l, f);
            }
        }
        out.replaceAll((l, v) -> Arrays.copyOf(v, filled.get(l)));
        return out;
    }

    /** The range [lo, hi] (always containing 0) for {@code bits}-bit codes chosen from a sample. */
    public static double[] range(float[] sample, String chooser, int bits) {
        if (sample.length == 0) {
            return new double[] {0, 1};
        }
        float[] s = sample.clone();
        Arrays.sort(s);
        double min = Math.min(0, s[0]);
        double max = Math.max(0, s[s.length - 1]);
        return switch (check(chooser)) {
            case "minmax" -> new double[] {min, max};
            case "percentile" -> new double[] {Math.min(0, quantile(s, 1e-4)), Math.max(0, quantile(s, 1 - 1e-4))};
            default -> mse(s, min, max, bits);
        };
    }

    static double quantile(float[] sorted, double q) {
        int i = (int) Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
        return sorted[i];
    }

    private static double[] mse(float[] sorted, double min, double max, int bits) {
        double lo99 = Math.min(0, quantile(sorted, 0.01));
        double hi99 = Math.max(0, quantile(sorted, 0.99));
        double[] best = {min, max};
        double bestErr = Double.POSITIVE_INFINITY;
        // Sub-sample for the search: at most 20,000 values.
        int stride = Math.max(1, sorted.length / 20_000);
        for (int k = 0; k <= 40; k++) {
            double f = k / 40.0;
            double lo = min + (lo99 - min) * f;
            double hi = max + (hi99 - max) * f;
            FakeQuant q = new FakeQuant(lo, hi, bits);
            double sc = q.scale();
            int z = q.zeroPoint();
            int levels = (1 << bits) - 1;
            double err = 0;
            for (int i = 0; i < sorted.length; i += stride) {
                double c = Math.max(0, Math.min(levels, Math.round(sorted[i] / sc) + z));
                double d = (c - z) * sc - sorted[i];
                err += d * d;
            }
            if (err < bestErr) {
                bestErr = err;
                best = new double[] {q.getLo(), q.getHi()};
            }
        }
        return best;
    }

    public static String describe(double[] r) {
        return String.format(Locale.ROOT, "[%.4g, %.4g]", r[0], r[1]);
    }
}
