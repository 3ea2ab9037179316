package org.jvmcompress.quantize;

/**
 * A logarithmic grid of 256 scales between {@code lo} and {@code hi}: {@code scale(c) = lo * (hi / lo)^(c / 255)},
 * {@code c} in 0..255, with {@code scale(0) = lo} and {@code scale(255) = hi} exactly. Computed with
 * {@link StrictMath} so that a file written on one machine decodes to the same floats on another.
 */
public final class ScaleGrid {
    public static final int LEVELS = 256;

    private ScaleGrid() {}

    public static float decode(float lo, float hi, int code) {
        if (code == 0 || lo == hi) {
            return lo;
        }
        if (code == LEVELS - 1) {
            return hi;
        }
        double a = StrictMath.log(lo);
        double b = StrictMath.log(hi);
        return (float) StrictMath.exp(a + code * (b - a) / (LEVELS - 1));
    }

    /** Replaces each (positive) scale by the smallest grid scale not below it, the grid spanning their min and max. */
    static void snapUp(float[] scales) {
        float lo = min(scales);
        float hi = max(scales);
        for (int i = 0; i < scales.length; i++) {
            int c = nearest(lo, hi, scales[i]);
            while (c < LEVELS - 1 && decode(lo, hi, c) < scales[i]) {
                c++;
            }
            scales[i] = decode(lo, hi, c);
        }
    }

    /**
     * The codes of scales that all lie exactly on the grid between their min and max (as {@link #snapUp} leaves
     * them), or null when one does not.
     */
    static byte[] codes(float[] scales) {
        float lo = min(scales);
        float hi = max(scales);
        if (!(lo > 0) || Float.isInfinite(hi)) {
            return null;
        }
        byte[] out = new byte[scales.length];
        for (int i = 0; i < scales.length; i++) {
            int c = nearest(lo, hi, scales[i]);
            int hit = -1;
            for (int d = -1; d <= 1 && hit < 0; d++) {
                int k = c + d;
                if (k >= 0 && k < LEVELS && decode(lo, hi, k) == scales[i]) {
                    hit = k;
                }
            }
            if (hit < 0) {
                return null;
            }
            out[i] = (byte) hit;
        }
        return out;
    }

    private static int nearest(float lo, float hi, float s) {
        if (lo == hi) {
            return 0;
        }
        double t = (StrictMath.log(s) - StrictMath.log(lo)) / (StrictMath.log(hi) - StrictMath.log(lo));
        return (int) Math.max(0, Math.min(LEVELS - 1, Math.round(t * (LEVELS - 1))));
    }

    static float min(float[] v) {
        float m = Float.POSITIVE_INFINITY;
        for (float x : v) {
            m = Math.min(m, x);
        }
        return m;
    }

    static float max(float[] v) {
        float m = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            m = Math.max(m, x);
        }
        return m;
    }
}
