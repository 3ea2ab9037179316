package org.jvmcompress.distill.loss;

/**
 * RKD distance loss (Park, Kim, Lu and Cho 2019, "Relational Knowledge Distillation"): pairwise Euclidean distances
 * within the batch, each divided by the batch's mean pairwise distance, compared with the Huber (smooth L1) loss,
 * averaged over the ordered pairs i != j.
 */
public final class RkdDistanceLoss implements RelationLoss {
    @Override
    public String name() {
        return "rkd-d";
    }

    static double huber(double x) {
        double a = Math.abs(x);
        return a < 1 ? 0.5 * x * x : a - 0.5;
    }

    static double huberGrad(double x) {
        return Math.abs(x) < 1 ? x : Math.signum(x);
    }

    static double[][] distances(double[][] e) {
        int n = e.length;
        double[][] d = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double s = 0;
                for (int k = 0; k < e[i].length; k++) {
                    double v = e[i][k] - e[j][k];
                    s += v * v;
                }
                d[i][j] = d[j][i] = Math.sqrt(s);
            }
        }
        return d;
    }

    static double meanOffDiagonal(double[][] d) {
        int n = d.length;
        double s = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i != j) {
                    s += d[i][j];
                }
            }
        }
        return s / Math.max(1, n * (n - 1));
    }

    @Override
    public double score(double[][] s, double[][] t) {
        int n = s.length;
        if (n < 2) {
            return 0;
        }
        double[][] ds = distances(s);
        double[][] dt = distances(t);
        double ms = Math.max(meanOffDiagonal(ds), 1e-12);
        double mt = Math.max(meanOffDiagonal(dt), 1e-12);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i != j) {
                    sum += huber(ds[i][j] / ms - dt[i][j] / mt);
                }
            }
        }
        return sum / (n * (n - 1));
    }

    @Override
    public double[][] gradient(double[][] s, double[][] t) {
        int n = s.length;
        int dim = n == 0 ? 0 : s[0].length;
        double[][] grad = new double[n][dim];
        if (n < 2) {
            return grad;
        }
        int pairs = n * (n - 1);
        double[][] ds = distances(s);
        double[][] dt = distances(t);
        double ms = Math.max(meanOffDiagonal(ds), 1e-12);
        double mt = Math.max(meanOffDiagonal(dt), 1e-12);
        // g = dL/d(normalised distance); then through the division by the mean distance.
        double[][] g = new double[n][n];
        double cross = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i != j) {
                    g[i][j] = huberGrad(ds[i][j] / ms - dt[i][j] / mt) / pairs;
                    cross += g[i][j] * ds[i][j] / ms;
                }
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i == j || ds[i][j] == 0) {
                    continue;
                }
                double dd = (g[i][j] - cross / pairs) / ms; // dL/dD_ij
                for (int k = 0; k < dim; k++) {
                    double u = (s[i][k] - s[j][k]) / ds[i][j];
                    grad[i][k] += dd * u;
                    grad[j][k] -= dd * u;
                }
            }
        }
        return RelationLoss.timesBatch(grad);
    }

    @Override
    public String toString() {
        return "RKD-D";
    }
}
