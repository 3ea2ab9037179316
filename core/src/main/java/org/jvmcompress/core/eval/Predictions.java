package org.jvmcompress.core.eval;

import org.jvmcompress.core.model.Networks;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.data.Batches;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/** A model's class probabilities on every item of a data source, with the true labels. */
public record Predictions(float[][] probabilities, int[] labels) {
    public static Predictions of(ComputationGraph g, Batches.Source source, int batchSize) {
        return of(x -> Networks.classOutput(g, x), source, batchSize);
    }

    /** The predictions of any inference function (a network, an integer runtime). */
    public static Predictions of(java.util.function.UnaryOperator<INDArray> model, Batches.Source source, int batchSize) {
        int n = source.size();
        float[][] p = new float[n][];
        int[] y = new int[n];
        java.util.Iterator<DataSet> it = new Batches(source, batchSize, false, 0).prefetched();
        int row = 0;
        while (it.hasNext()) {
            DataSet ds = it.next();
            INDArray out = model.apply(ds.getFeatures());
            INDArray lab = ds.getLabels();
            for (int i = 0; i < out.rows(); i++) {
                p[row] = out.getRow(i).toFloatVector();
                y[row] = lab.getRow(i).argMax().getInt(0);
                row++;
            }
        }
        return new Predictions(p, y);
    }

    public int size() {
        return labels.length;
    }

    public int[] predicted() {
        int[] out = new int[probabilities.length];
        for (int i = 0; i < out.length; i++) {
            float[] r = probabilities[i];
            int best = 0;
            for (int c = 1; c < r.length; c++) {
                if (r[c] > r[best]) {
                    best = c;
                }
            }
            out[i] = best;
        }
        return out;
    }

    public double accuracy() {
        int[] pred = predicted();
        int ok = 0;
        for (int i = 0; i < pred.length; i++) {
            if (pred[i] == labels[i]) {
                ok++;
            }
        }
        return pred.length == 0 ? 0 : (double) ok / pred.length;
    }

    /** The ensemble of several models' predictions on the same items: their class probabilities averaged. */
    public static Predictions average(java.util.List<Predictions> all) {
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no predictions to average");
        }
        Predictions first = all.get(0);
        float[][] sum = new float[first.size()][];
        for (int i = 0; i < sum.length; i++) {
            sum[i] = new float[first.probabilities()[i].length];
        }
        for (Predictions p : all) {
            if (p.size() != first.size() || !java.util.Arrays.equals(p.labels(), first.labels())) {
                throw new IllegalArgumentException("predictions on different items cannot be averaged");
            }
            for (int i = 0; i < sum.length; i++) {
                for (int c = 0; c < sum[i].length; c++) {
                    sum[i][c] += p.probabilities()[i][c] / all.size();
                }
            }
        }
        return new Predictions(sum, first.labels());
    }

    /** Fraction of items on which two models predict the same class. */
    public static double agreement(Predictions a, Predictions b) {
        if (a.size() != b.size()) {
            throw new IllegalArgumentException("predictions of different lengths: " + a.size() + " vs " + b.size());
        }
        int[] pa = a.predicted();
        int[] pb = b.predicted();
        int same = 0;
        for (int i = 0; i < pa.length; i++) {
            if (pa[i] == pb[i]) {
                same++;
            }
        }
        return pa.length == 0 ? 0 : (double) same / pa.length;
    }
}
