package org.jvmcompress.distill.loss;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * {@code irg}: the edges of an instance relationship graph (Liu et al. 2019, "Knowledge Distillation via Instance
 * Relationship Graph"): the batch's instances are the vertices, the squared Euclidean distances between their
 * activations at a layer the edges. Each graph's edges are divided by their mean (the authors' code divides by the
 * largest; the mean's gradient is smooth), and student's and teacher's are compared by the mean squared difference
 * over the ordered pairs i != j. One graph per layer: several {@code irg} features match the graphs along the network;
 * the vertex term is the response loss on the logits.
 */
public final class InstanceGraphLoss implements RelationLoss {
    @Override
    public String name() {
        return "irg";
    }

    /** Squared distances divided by their mean over i != j; {@code meanOut[0]} gets the mean. */
    static double[][] edges(double[][] e, double[] meanOut) {
        int n = e.length;
        double[][] d = new double[n][n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double s = 0;
                for (int k = 0; k < e[i].length; k++) {
                    double v = e[i][k] - e[j][k];
                    s += v * v;
                }
                d[i][j] = d[j][i] = s;
                sum += 2 * s;
            }
        }
        double mean = Math.max(sum / Math.max(1, n * (n - 1)), 1e-12);
        for (double[] row : d) {
            for (int j = 0; j < n; j++) {
                row[j] /= mean;
            }
        }
        meanOut[0] = mean;
        return d;
    }

    @Override
    public double score(double[][] s, double[][] t) {
        int n = s.length;
        if (n < 2) {
            return 0;
        }
        double[][] as = edges(s, new double[1]);
        double[][] at = edges(t, new double[1]);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i != j) {
                    double v = as[i][j] - at[i][j];
                    sum += v * v;
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
        double[] mean = new double[1];
        double[][] as = edges(s, mean);
        double[][] at = edges(t, new double[1]);
        // dL/dA_ij, then through A = D / mean(D): dL/dD_ij = (g_ij - sum_kl g_kl A_kl / pairs) / mean
        double[][] g = new double[n][n];
        double cross = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i != j) {
                    g[i][j] = 2 * (as[i][j] - at[i][j]) / pairs;
                    cross += g[i][j] * as[i][j];
                }
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i == j) {
                    continue;
                }
                double dd = (g[i][j] - cross / pairs) / mean[0];
                for (int k = 0; k < dim; k++) {
                    double u = 2 * (s[i][k] - s[j][k]); // dD_ij/ds_i; dD_ij/ds_j is its negative
                    grad[i][k] += dd * u;
                    grad[j][k] -= dd * u;
                }
            }
        }
        return RelationLoss.timesBatch(grad);
    }

    /** Normalised edges of [n, d] rows (diagonal 0); {@code meanOut[0]} gets the mean. */
    private static INDArray edges(INDArray e, double[] meanOut) {
        int n = (int) e.size(0);
        INDArray sq = e.mul(e).sum(1).reshape(n, 1);
        INDArray d = e.mmul(e.transpose()).muli(-2).addiColumnVector(sq).addiRowVector(sq.reshape(1, n));
        d = Transforms.max(d, 0.0, false);
        d.muli(Nd4j.eye(n).rsubi(1).castTo(d.dataType()));
        double mean = Math.max(d.sumNumber().doubleValue() / Math.max(1, n * (n - 1)), 1e-12);
        meanOut[0] = mean;
        return d.divi(mean);
    }

    private static INDArray rows(INDArray a) {
        // in the activations' own precision: float in training, double in gradient checks
        return a.reshape('c', a.size(0), a.length() / a.size(0)).castTo(a.dataType() == DataType.DOUBLE
                ? DataType.DOUBLE : DataType.FLOAT);
    }


    /** Rows wider than this go through matrix products; narrower ones through plain loops, which cost less there. */
    static final long WIDE = 512;

    private static boolean wide(INDArray labels, INDArray preOutput) {
        return Math.max(preOutput.length() / preOutput.size(0), labels.length() / labels.size(0)) > WIDE;
    }

    /** As {@link #score(double[][], double[][])}, by matrix products where rows are wide (conv maps). */
    @Override
    public double score(INDArray labels, INDArray preOutput, long[] shape) {
        if (!wide(labels, preOutput)) {
            return RelationLoss.super.score(labels, preOutput, shape);
        }
        long n = preOutput.size(0);
        if (n < 2) {
            return 0;
        }
        INDArray diff = edges(rows(preOutput), new double[1]).subi(edges(rows(labels), new double[1]));
        return diff.muli(diff).sumNumber().doubleValue() / (n * (n - 1));
    }

    /** As {@link #gradient(double[][], double[][])}, by matrix products where rows are wide. */
    @Override
    public INDArray gradient(INDArray labels, INDArray preOutput, long[] shape) {
        if (!wide(labels, preOutput)) {
            return RelationLoss.super.gradient(labels, preOutput, shape);
        }
        int n = (int) preOutput.size(0);
        INDArray s = rows(preOutput);
        if (n < 2) {
            return Nd4j.zeros(s.dataType(), s.shape());
        }
        int pairs = n * (n - 1);
        double[] mean = new double[1];
        INDArray as = edges(s, mean);
        INDArray g = as.sub(edges(rows(labels), new double[1])).muli(2.0 / pairs); // diagonal 0 on both sides
        double cross = g.mul(as).sumNumber().doubleValue();
        INDArray w = g.subi(cross / pairs).divi(mean[0]);
        w.muli(Nd4j.eye(n).rsubi(1).castTo(w.dataType()));
        INDArray sym = w.add(w.transpose());
        // d/ds_i of sum_ij w_ij |s_i - s_j|^2 = 2 sum_j (w_ij + w_ji) (s_i - s_j)
        INDArray grad = s.mulColumnVector(sym.sum(1).reshape(n, 1)).subi(sym.mmul(s)).muli(2.0 * n);
        return grad;
    }

    @Override
    public String toString() {
        return "IRG";
    }
}
