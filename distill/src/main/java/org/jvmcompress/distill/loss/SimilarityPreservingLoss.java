package org.jvmcompress.distill.loss;

/**
 * Similarity-preserving KD (Tung and Mori 2019): the batch's similarity matrices G = A A^T of student and teacher
 * embeddings, each row L2-normalised, compared by the squared Frobenius distance divided by b².
 */
public final class SimilarityPreservingLoss implements RelationLoss {
    @Override
    public String name() {
        return "sp";
    }

    private static double[][] normalisedGram(double[][] a, double[] norms) {
        int n = a.length;
        double[][] g = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < a[i].length; k++) {
                    s += a[i][k] * a[j][k];
                }
                g[i][j] = s;
            }
        }
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < n; j++) {
                s += g[i][j] * g[i][j];
            }
            norms[i] = Math.max(Math.sqrt(s), 1e-12);
            for (int j = 0; j < n; j++) {
                g[i][j] /= norms[i];
            }
        }
        return g;
    }

    @Override
    public double score(double[][] s, double[][] t) {
        int n = s.length;
        if (n == 0) {
            return 0;
        }
        double[][] gs = normalisedGram(s, new double[n]);
        double[][] gt = normalisedGram(t, new double[n]);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double d = gs[i][j] - gt[i][j];
                sum += d * d;
            }
        }
        return sum / ((double) n * n);
    }

    @Override
    public double[][] gradient(double[][] s, double[][] t) {
        int n = s.length;
        int dim = n == 0 ? 0 : s[0].length;
        double[] norms = new double[n];
        double[][] gs = normalisedGram(s, norms);
        double[][] gt = normalisedGram(t, new double[n]);
        // dL/dG through the row normalisation: (r' - r (r . r')) / |g| per row.
        double[][] dG = new double[n][n];
        for (int i = 0; i < n; i++) {
            double[] dr = new double[n];
            double proj = 0;
            for (int j = 0; j < n; j++) {
                dr[j] = 2 * (gs[i][j] - gt[i][j]) / ((double) n * n);
                proj += gs[i][j] * dr[j];
            }
            for (int j = 0; j < n; j++) {
                dG[i][j] = (dr[j] - gs[i][j] * proj) / norms[i];
            }
        }
        // G = A A^T: dL/dA = (dG + dG^T) A
        double[][] grad = new double[n][dim];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double w = dG[i][j] + dG[j][i];
                if (w == 0) {
                    continue;
                }
                for (int k = 0; k < dim; k++) {
                    grad[i][k] += w * s[j][k];
                }
            }
        }
        return RelationLoss.timesBatch(grad);
    }

    @Override
    public String toString() {
        return "SP";
    }
}
