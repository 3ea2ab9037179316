package org.jvmcompress.distill.loss;

/**
 * A logit loss on the classes {@code from} to {@code to - 1} only: the softmax of those logits, the others left out
 * (their gradient is zero; {@code to} 0 means up to the last class). Learning without Forgetting (Li and Hoiem 2016)
 * distils the previous model's outputs on the classes it knew, the first ones when classes are numbered in the order
 * they arrive; its cross-entropy may be kept to the new classes (a task-local softmax), so that the new items do not
 * push the old classes' logits down.
 */
final class OldClassesLoss implements LogitLoss {
    private final LogitLoss inner;
    private final int from;
    private final int to;

    OldClassesLoss(LogitLoss inner, int from, int to) {
        this.inner = inner;
        this.from = from;
        this.to = to;
    }

    private int end(double[] row) {
        int e = to == 0 ? row.length : to;
        if (row.length < e || e <= from) {
            throw new org.jvmcompress.core.CompressionException("the loss on classes " + from + " to " + (e - 1)
                    + " needs that many outputs, got " + row.length);
        }
        return e;
    }

    private double[][] head(double[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = java.util.Arrays.copyOfRange(a[i], from, end(a[i]));
        }
        return out;
    }

    @Override
    public double score(double[][] s, double[][] t, double[][] labels) {
        return inner.score(head(s), head(t), head(labels));
    }

    @Override
    public double[][] gradient(double[][] s, double[][] t, double[][] labels) {
        double[][] g = inner.gradient(head(s), head(t), head(labels));
        double[][] out = new double[s.length][];
        for (int i = 0; i < s.length; i++) {
            out[i] = new double[s[i].length];
            System.arraycopy(g[i], 0, out[i], from, g[i].length);
        }
        return out;
    }

    @Override
    public String toString() {
        return inner + (from == 0 ? "[classes < " + to + "]" : to == 0 ? "[classes >= " + from + "]"
                : "[classes " + from + "-" + (to - 1) + "]");
    }
}
