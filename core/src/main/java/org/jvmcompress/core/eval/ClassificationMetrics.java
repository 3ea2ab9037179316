package org.jvmcompress.core.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Accuracy, per-class precision / recall / F1 and the confusion matrix ({@code confusion[true][predicted]}).
 * A class that is never predicted has precision 0; one that never occurs has recall 0.
 */
public record ClassificationMetrics(int n, double accuracy, double macroF1, List<ClassMetrics> perClass,
                                    int[][] confusion) {
    /** One class's figures. */
    public record ClassMetrics(String label, double precision, double recall, double f1, int support) {}

    public static ClassificationMetrics of(int[] truth, int[] predicted, List<String> labels) {
        int k = labels.size();
        int[][] cm = new int[k][k];
        int correct = 0;
        for (int i = 0; i < truth.length; i++) {
            cm[truth[i]][predicted[i]]++;
            if (truth[i] == predicted[i]) {
                correct++;
            }
        }
        List<ClassMetrics> per = new ArrayList<>();
        double f1sum = 0;
        for (int c = 0; c < k; c++) {
            int tp = cm[c][c];
            int predC = 0;
            int trueC = 0;
            for (int j = 0; j < k; j++) {
                predC += cm[j][c];
                trueC += cm[c][j];
            }
            double p = predC == 0 ? 0 : (double) tp / predC;
            double r = trueC == 0 ? 0 : (double) tp / trueC;
            double f1 = p + r == 0 ? 0 : 2 * p * r / (p + r);
            f1sum += f1;
            per.add(new ClassMetrics(labels.get(c), p, r, f1, trueC));
        }
        double acc = truth.length == 0 ? 0 : (double) correct / truth.length;
        return new ClassificationMetrics(truth.length, acc, k == 0 ? 0 : f1sum / k, per, cm);
    }

    public static ClassificationMetrics of(Predictions p, List<String> labels) {
        return of(p.labels(), p.predicted(), labels);
    }
}
