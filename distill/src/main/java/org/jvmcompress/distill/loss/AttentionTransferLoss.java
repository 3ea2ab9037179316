package org.jvmcompress.distill.loss;

import org.jvmcompress.core.CompressionException;

/**
 * Attention transfer (Zagoruyko and Komodakis 2017): the spatial attention map of a convolutional activation
 * [C, H, W] is the sum over channels of the squared activations, flattened to H*W and L2-normalised; the loss is
 * the squared distance between the student's and the teacher's maps, averaged over the batch. Student and teacher
 * maps must have the same H and W (their channel counts may differ). The student's activations arrive flattened in
 * channel-major order, [C*H*W] per example; the teacher's maps are precomputed ({@link #map}).
 */
public final class AttentionTransferLoss {
    private final int channels;
    private final int height;
    private final int width;

    public AttentionTransferLoss(int channels, int height, int width) {
        if (channels < 1 || height < 1 || width < 1) {
            throw new CompressionException("attention transfer needs a positive [C, H, W], got [" + channels + ", "
                    + height + ", " + width + "]");
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    /** The normalised attention map of one example's flattened activations [c*h*w] with c channels. */
    public static double[] map(double[] act, int c, int hw) {
        if (act.length != c * hw) {
            throw new CompressionException("activation of " + act.length + " values is not " + c + " x " + hw);
        }
        double[] q = new double[hw];
        for (int ch = 0; ch < c; ch++) {
            for (int p = 0; p < hw; p++) {
                double v = act[ch * hw + p];
                q[p] += v * v;
            }
        }
        double norm = 0;
        for (double v : q) {
            norm += v * v;
        }
        norm = Math.max(Math.sqrt(norm), 1e-12);
        for (int p = 0; p < hw; p++) {
            q[p] /= norm;
        }
        return q;
    }

    public double score(double[][] studentActs, double[][] teacherMaps) {
        int hw = height * width;
        double sum = 0;
        for (int i = 0; i < studentActs.length; i++) {
            double[] q = map(studentActs[i], channels, hw);
            checkMap(teacherMaps[i], hw);
            for (int p = 0; p < hw; p++) {
                double d = q[p] - teacherMaps[i][p];
                sum += d * d;
            }
        }
        return studentActs.length == 0 ? 0 : sum / studentActs.length;
    }

    /** Per-example gradient with respect to the flattened student activations. */
    public double[][] gradient(double[][] studentActs, double[][] teacherMaps) {
        int hw = height * width;
        double[][] g = new double[studentActs.length][channels * hw];
        for (int i = 0; i < studentActs.length; i++) {
            double[] a = studentActs[i];
            double[] raw = new double[hw];
            for (int ch = 0; ch < channels; ch++) {
                for (int p = 0; p < hw; p++) {
                    raw[p] += a[ch * hw + p] * a[ch * hw + p];
                }
            }
            double norm = 0;
            for (double v : raw) {
                norm += v * v;
            }
            norm = Math.max(Math.sqrt(norm), 1e-12);
            double[] q = new double[hw];
            double proj = 0;
            double[] dq = new double[hw];
            for (int p = 0; p < hw; p++) {
                q[p] = raw[p] / norm;
                dq[p] = 2 * (q[p] - teacherMaps[i][p]);
                proj += q[p] * dq[p];
            }
            for (int p = 0; p < hw; p++) {
                double dRaw = (dq[p] - q[p] * proj) / norm;
                for (int ch = 0; ch < channels; ch++) {
                    g[i][ch * hw + p] = dRaw * 2 * a[ch * hw + p];
                }
            }
        }
        return g;
    }

    private static void checkMap(double[] m, int hw) {
        if (m.length != hw) {
            throw new CompressionException("teacher attention map has " + m.length + " values; the student's has " + hw
                    + " (the two feature maps must have the same height and width)");
        }
    }

    @Override
    public String toString() {
        return "AT";
    }
}
