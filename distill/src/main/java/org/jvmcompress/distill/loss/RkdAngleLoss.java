package org.jvmcompress.distill.loss;

/**
 * RKD angle loss (Park et al. 2019): for every triplet (i, j, k) of distinct examples, the cosine of the angle at j
 * between the directions to i and to k, compared between student and teacher with the Huber loss and averaged over
 * the triplets. Cost grows with the cube of the batch size.
 */
public final class RkdAngleLoss implements RelationLoss {
    /** Unit direction from b to a, and the length. */
    private static double unit(double[] a, double[] b, double[] out) {
        double s = 0;
        for (int k = 0; k < a.length; k++) {
            out[k] = a[k] - b[k];
            s += out[k] * out[k];
        }
        double len = Math.sqrt(s);
        if (len > 0) {
            for (int k = 0; k < a.length; k++) {
                out[k] /= len;
            }
        }
        return len;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) {
            s += a[k] * b[k];
        }
        return s;
    }

    private static double[][][] units(double[][] e, double[][] len) {
        int n = e.length;
        double[][][] u = new double[n][n][];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i != j) {
                    u[i][j] = new double[e[i].length];
                    len[i][j] = unit(e[i], e[j], u[i][j]);
                }
            }
        }
        return u;
    }

    @Override
    public double score(double[][] s, double[][] t) {
        int n = s.length;
        if (n < 3) {
            return 0;
        }
        double[][] ls = new double[n][n];
        double[][] lt = new double[n][n];
        double[][][] us = units(s, ls);
        double[][][] ut = units(t, lt);
        double sum = 0;
        long count = 0;
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < n; k++) {
                    if (i != j && k != j && i != k) {
                        sum += RkdDistanceLoss.huber(dot(us[i][j], us[k][j]) - dot(ut[i][j], ut[k][j]));
                        count++;
                    }
                }
            }
        }
        return sum / count;
    }

    @Override
    public double[][] gradient(double[][] s, double[][] t) {
        int n = s.length;
        int dim = n == 0 ? 0 : s[0].length;
        double[][] grad = new double[n][dim];
        if (n < 3) {
            return grad;
        }
        double[][] ls = new double[n][n];
        double[][] lt = new double[n][n];
        double[][][] us = units(s, ls);
        double[][][] ut = units(t, lt);
        double count = (double) n * (n - 1) * (n - 2);
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < n; k++) {
                    if (i == j || k == j || i == k || ls[i][j] == 0 || ls[k][j] == 0) {
                        continue;
                    }
                    double[] e1 = us[i][j];
                    double[] e2 = us[k][j];
                    double cos = dot(e1, e2);
                    double g = RkdDistanceLoss.huberGrad(cos - dot(ut[i][j], ut[k][j])) / count;
                    for (int d = 0; d < dim; d++) {
                        double d1 = g * (e2[d] - cos * e1[d]) / ls[i][j]; // d/d(s_i - s_j)
                        double d2 = g * (e1[d] - cos * e2[d]) / ls[k][j]; // d/d(s_k - s_j)
                        grad[i][d] += d1;
                        grad[k][d] += d2;
                        grad[j][d] -= d1 + d2;
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
