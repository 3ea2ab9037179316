package org.jvmcompress.distill.loss;

/** Numerically stable softmax and log-softmax of a row of logits divided by a temperature. */
final class Softmax {
    private Softmax() {}

    static double[] logSoftmax(double[] z, double t) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v / t);
        }
        double sum = 0;
        for (double v : z) {
            sum += Math.exp(v / t - max);
        }
        double log = max + Math.log(sum);
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = z[i] / t - log;
        }
        return out;
    }

    static double[] softmax(double[] z, double t) {
        double[] l = logSoftmax(z, t);
        for (int i = 0; i < l.length; i++) {
            l[i] = Math.exp(l[i]);
        }
        return l;
    }
}
