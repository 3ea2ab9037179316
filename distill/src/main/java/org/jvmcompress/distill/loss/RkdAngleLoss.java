package org.jvmcompress.distill.loss;

/**
 * RKD angle loss (Park et al. 2019): for every triplet (i, j, k) of distinct examples, the cosine of the angle at j
 * between the directions to i and to k, compared between student and teacher with the Huber loss and averaged over
 * the triplets.
 *
 * <p>The cosines come from the Gram matrix {@code G = X X^T} alone: {@code (x_i - x_j).(x_k - x_j) = G_ik - G_ij -
 * G_jk + G_jj} and {@code |x_i - x_j|^2 = G_ii - 2 G_ij + G_jj}, so the work is n^3 scalar steps plus two n x n x d
 * products, never the n x n x d tensor of directions (a batch of 128 with 256-wide teacher embeddings: tens of
 * milliseconds, not seconds). The gradient flows back the same way, to G and then to X. A leg shorter than 1e-6 of
 * the points' norms (coincident examples) has no direction and is left out.
 */
public final class RkdAngleLoss implements RelationLoss {
    @Override
    public String name() {
        return "rkd-a";
    }

    /** Gram matrix and inverse leg lengths {@code r[j][i] = 1/|x_i - x_j|} (0 for a leg left out). */
    private record Gram(double[][] g, double[][] r) {
        static Gram of(double[][] x) {
            int n = x.length;
            double[][] g = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j <= i; j++) {
                    double s = 0;
                    for (int d = 0; d < x[i].length; d++) {
                        s += x[i][d] * x[j][d];
                    }
                    g[i][j] = s;
                    g[j][i] = s;
                }
            }
            double[][] r = new double[n][n];
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < n; i++) {
                    double l2 = g[i][i] - 2 * g[i][j] + g[j][j];
                    r[j][i] = i != j && l2 > 1e-12 * (g[i][i] + g[j][j]) ? 1 / Math.sqrt(l2) : 0;
                }
            }
            return new Gram(g, r);
        }

        /** The unnormalised dot product (x_i - x_j).(x_k - x_j). */
        double dot(int j, int i, int k) {
            return g[i][k] - g[i][j] - g[j][k] + g[j][j];
        }
    }

    private static double count(int n) {
        return (double) n * (n - 1) * (n - 2);
    }

    @Override
    public double score(double[][] s, double[][] t) {
        int n = s.length;
        if (n < 3) {
            return 0;
        }
        Gram gs = Gram.of(s);
        Gram gt = Gram.of(t);
        double sum = 0;
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < n; k++) {
                    if (i != k) {
                        double cs = gs.dot(j, i, k) * gs.r[j][i] * gs.r[j][k];
                        double ct = gt.dot(j, i, k) * gt.r[j][i] * gt.r[j][k];
                        sum += RkdDistanceLoss.huber(cs - ct);
                    }
                }
            }
        }
        return sum / count(n);
    }

    @Override
    public double[][] gradient(double[][] s, double[][] t) {
        int n = s.length;
        int dim = n == 0 ? 0 : s[0].length;
        double[][] grad = new double[n][dim];
        if (n < 3) {
            return grad;
        }
        Gram gs = Gram.of(s);
        Gram gt = Gram.of(t);
        double[][] r = gs.r;
        double[][] dG = new double[n][n];
        double[][] dR = new double[n][n];
        double count = count(n);
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < n; i++) {
                if (r[j][i] == 0) {
                    continue; // i == j, or a leg left out: no cosine has a gradient through it
                }
                double ij = 0;
                double jj = 0;
                double dRji = 0;
                for (int k = 0; k < n; k++) {
                    if (k == i || r[j][k] == 0) {
                        continue;
                    }
                    double dot = gs.dot(j, i, k);
                    double cs = dot * r[j][i] * r[j][k];
                    double ct = gt.dot(j, i, k) * gt.r[j][i] * gt.r[j][k];
                    double g = RkdDistanceLoss.huberGrad(cs - ct) / count;
                    double a = g * r[j][i] * r[j][k]; // dL/d dot
                    dG[i][k] += a;
                    dG[j][k] -= a;
                    ij -= a;
                    jj += a;
                    dRji += g * dot * r[j][k];
                    dR[j][k] += g * dot * r[j][i];
                }
                dG[i][j] += ij;
                dG[j][j] += jj;
                dR[j][i] += dRji;
            }
        }
        // r = l2^(-1/2), dr/dl2 = -r^3 / 2; l2[j][i] = G_ii - 2 G_ij + G_jj
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < n; i++) {
                double rr = r[j][i];
                if (rr != 0) {
                    double dl2 = -0.5 * dR[j][i] * rr * rr * rr;
                    dG[i][i] += dl2;
                    dG[j][j] += dl2;
                    dG[i][j] -= 2 * dl2;
                }
            }
        }
        // G = X X^T: dX = (dG + dG^T) X
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                double w = dG[a][b] + dG[b][a];
                if (w != 0) {
                    double[] xb = s[b];
                    double[] out = grad[a];
                    for (int d = 0; d < dim; d++) {
                        out[d] += w * xb[d];
                    }
                }
            }
        }
        return RelationLoss.timesBatch(grad);
    }

    @Override
    public String toString() {
        return "RKD-A";
    }
}
