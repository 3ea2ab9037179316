package org.jvmcompress.cli;

import java.util.Locale;
import org.jvmcompress.core.eval.ClassificationMetrics;
import org.jvmcompress.core.eval.EvaluationReport;

/** Plain-text rendering of an evaluation for the terminal. */
final class Render {
    private Render() {}

    /** Above this many classes a matrix no longer fits a terminal: the largest confusions are listed instead. */
    static final int MATRIX_MAX = 15;

    /** The most frequent confusions (true class -> predicted class), largest first. */
    static String confusions(ClassificationMetrics m) {
        int k = m.confusion().length;
        java.util.List<int[]> cells = new java.util.ArrayList<>();
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                if (i != j && m.confusion()[i][j] > 0) {
                    cells.add(new int[] {m.confusion()[i][j], i, j});
                }
            }
        }
        cells.sort((a, b) -> b[0] != a[0] ? Integer.compare(b[0], a[0]) : a[1] != b[1] ? Integer.compare(a[1], b[1])
                : Integer.compare(a[2], b[2]));
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "largest confusions of %d classes (the full"
                + " matrix is in evaluation.json and the HTML report):%n", k));
        for (int[] c : cells.subList(0, Math.min(MATRIX_MAX, cells.size()))) {
            sb.append(String.format(Locale.ROOT, "  %-20s -> %-20s %6d%n", m.perClass().get(c[1]).label(),
                    m.perClass().get(c[2]).label(), c[0]));
        }
        if (cells.isEmpty()) {
            sb.append("  none\n");
        }
        return sb.toString();
    }

    static String text(EvaluationReport r) {
        StringBuilder sb = new StringBuilder();
        ClassificationMetrics m = r.metrics();
        sb.append(String.format(Locale.ROOT, "model: %s (%s), task %s, %s split, %d examples%n", r.model(), r.format(),
                r.task(), r.split(), m.n()));
        sb.append(String.format(Locale.ROOT, "accuracy: %.4f   macro F1: %.4f%n", m.accuracy(), m.macroF1()));
        sb.append(String.format(Locale.ROOT, "parameters: %,d   bytes on disk: %,d%n", r.params(), r.bytes()));
        if (r.speed() != null) {
            sb.append(String.format(Locale.ROOT,
                    "latency batch 1: p50 %.3f ms, p95 %.3f ms (%d runs)   throughput batch %d: %.1f samples/s   (%s, %d threads)%n",
                    r.speed().p50Ms(), r.speed().p95Ms(), r.speed().latencyRuns(), r.speed().throughputBatch(),
                    r.speed().throughputSamplesPerS(), r.backend(), r.speed().threads()));
        }
        if (r.agreement() != null) {
            sb.append(String.format(Locale.ROOT, "agreement with %s: %.4f%n", r.comparedWith(), r.agreement()));
        }
        int w = 12;
        for (ClassificationMetrics.ClassMetrics c : m.perClass()) {
            w = Math.max(w, c.label().length());
        }
        sb.append(String.format(Locale.ROOT, "%-" + w + "s %9s %9s %9s %8s%n", "class", "precision", "recall", "F1", "support"));
        for (ClassificationMetrics.ClassMetrics c : m.perClass()) {
            sb.append(String.format(Locale.ROOT, "%-" + w + "s %9.4f %9.4f %9.4f %8d%n", c.label(), c.precision(),
                    c.recall(), c.f1(), c.support()));
        }
        int k = m.confusion().length;
        if (k > MATRIX_MAX) {
            return sb.append(confusions(m)).toString();
        }
        sb.append("confusion matrix (rows: true class, columns: predicted):\n");
        sb.append(String.format(Locale.ROOT, "%-" + w + "s", ""));
        for (int j = 0; j < k; j++) {
            sb.append(String.format(Locale.ROOT, " %6d", j));
        }
        sb.append('\n');
        for (int i = 0; i < k; i++) {
            String lab = i + " " + m.perClass().get(i).label();
            sb.append(String.format(Locale.ROOT, "%-" + w + "s", lab.length() > w ? lab.substring(0, w) : lab));
            for (int j = 0; j < k; j++) {
                sb.append(String.format(Locale.ROOT, " %6d", m.confusion()[i][j]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
