package org.jvmcompress.distill.loss;

/**
 * A logit loss applied to z-scored logits (Sun, Ren, Li, Wang and Cao, "Logit Standardization in Knowledge
 * Distillation", CVPR 2024): each row of the teacher's and of the student's logits becomes (z - mean) / std before
 * the inner loss sees it. The student then matches the teacher's ranking and relative gaps without having to
 * match the size of its logits, and a teacher sure of itself (one logit far above the rest) gives soft targets
 * at T = 1 (with ten classes its top class gets about 0.75). The std is the population one plus 1e-8 under the
 * root, so that a row of equal logits stays finite.
 */
public final class StandardizedLogitsLoss implements LogitLoss {
    private static final double EPS = 1e-8;

    private final LogitLoss inner;

    public StandardizedLogitsLoss(LogitLoss inner) {
        this.inner = inner;
    }

    @Override
    public double score(double[][] s, double[][] t, double[][] labels) {
        return inner.score(standardize(s, stds(s)), standardize(t, stds(t)), labels);
    }

    @Override
    public double[][] gradient(double[][] s, double[][] t, double[][] labels) {
        double[] sds = stds(s);
        double[][] zs = standardize(s, sds);
        double[][] g = inner.gradient(zs, standardize(t, stds(t)), labels);
        // z_i = (s_i - m) / sd: dL/ds_j = (g_j - mean(g) - z_j mean(g z)) / sd.
        double[][] out = new double[s.length][];
        for (int i = 0; i < s.length; i++) {
            int k = s[i].length;
            double sd = sds[i];
            double mg = 0;
            double mgz = 0;
            for (int j = 0; j < k; j++) {
                mg += g[i][j];
                mgz += g[i][j] * zs[i][j];
            }
            mg /= k;
            mgz /= k;
            double[] row = new double[k];
            for (int j = 0; j < k; j++) {
                row[j] = (g[i][j] - mg - zs[i][j] * mgz) / sd;
            }
            out[i] = row;
        }
        return out;
    }

    /** (a - mean) / sd, row by row, with {@code sd} from {@link #stds}. */
    private static double[][] standardize(double[][] a, double[] sd) {
        double[][] z = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            double m = mean(a[i]);
            z[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                z[i][j] = (a[i][j] - m) / sd[i];
            }
        }
        return z;
    }

    private static double[] stds(double[][] a) {
        double[] sd = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            sd[i] = std(a[i]);
        }
        return sd;
    }

    private static double mean(double[] row) {
        double m = 0;
        for (double v : row) {
            m += v;
        }
        return m / row.length;
    }

    private static double std(double[] row) {
        double m = mean(row);
        double v = 0;
        for (double x : row) {
            v += (x - m) * (x - m);
        }
        return Math.sqrt(v / row.length + EPS);
    }

    @Override
    public String toString() {
        return inner + "[z-scored logits]";
    }
}
