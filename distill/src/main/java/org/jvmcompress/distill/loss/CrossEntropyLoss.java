package org.jvmcompress.distill.loss;

/** Cross-entropy of the student's softmax with the one-hot labels (the ordinary supervised loss). */
public final class CrossEntropyLoss implements LogitLoss {
    @Override
    public double score(double[][] s, double[][] t, double[][] y) {
        double sum = 0;
        for (int i = 0; i < s.length; i++) {
            double[] l = Softmax.logSoftmax(s[i], 1);
            for (int k = 0; k < l.length; k++) {
                sum -= y[i][k] * l[k];
            }
        }
        return s.length == 0 ? 0 : sum / s.length;
    }

    @Override
    public double[][] gradient(double[][] s, double[][] t, double[][] y) {
        double[][] g = new double[s.length][];
        for (int i = 0; i < s.length; i++) {
            double[] q = Softmax.softmax(s[i], 1);
            double ysum = 0;
            for (double v : y[i]) {
                ysum += v;
            }
            for (int k = 0; k < q.length; k++) {
                q[k] = ysum * q[k] - y[i][k];
            }
            g[i] = q;
        }
        return g;
    }

    @Override
    public String toString() {
        return "CE";
    }
}
