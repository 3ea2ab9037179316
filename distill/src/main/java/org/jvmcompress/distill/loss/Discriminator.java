package org.jvmcompress.distill.loss;

import java.util.Random;

/**
 * The discriminator of adversarial distillation: a small MLP (two hidden layers of LeakyReLU(0.2), one logit) with
 * its own Adam optimiser, that learns to tell the teacher's rows (real) from the student's (fake). It trains on the
 * batch it is shown, with the student's rows as constants; the student then gets the gradient of the
 * non-saturating generator loss {@code mean softplus(-D(s))} (Goodfellow et al. 2014), which pushes its rows
 * towards where the discriminator sees the teacher. Plain Java: its inputs are a batch of logits or pooled
 * features, far too small for native kernels to pay off.
 */
public final class Discriminator {
    private static final double SLOPE = 0.2;
    private static final double BETA1 = 0.5;
    private static final double BETA2 = 0.999;
    private static final double EPS = 1e-8;

    private final int[] widths;
    private final double[][][] w;
    private final double[][] b;
    private final double[][][] mw;
    private final double[][][] vw;
    private final double[][] mb;
    private final double[][] vb;
    private final double lr;
    private int t;
    private double lastLoss = Double.NaN;

    /** For rows of {@code in} values, {@code hidden} units per hidden layer, Adam at {@code lr}, weights from {@code seed}. */
    public Discriminator(int in, int hidden, double lr, long seed) {
        widths = new int[] {in, hidden, hidden, 1};
        int layers = widths.length - 1;
        w = new double[layers][][];
        b = new double[layers][];
        mw = new double[layers][][];
        vw = new double[layers][][];
        mb = new double[layers][];
        vb = new double[layers][];
        Random r = new Random(seed);
        for (int l = 0; l < layers; l++) {
            double scale = Math.sqrt(2.0 / widths[l]); // He initialisation for the leaky ReLUs
            w[l] = new double[widths[l + 1]][widths[l]];
            for (double[] row : w[l]) {
                for (int k = 0; k < row.length; k++) {
                    row[k] = r.nextGaussian() * scale;
                }
            }
            b[l] = new double[widths[l + 1]];
            mw[l] = new double[widths[l + 1]][widths[l]];
            vw[l] = new double[widths[l + 1]][widths[l]];
            mb[l] = new double[widths[l + 1]];
            vb[l] = new double[widths[l + 1]];
        }
        this.lr = lr;
    }

    public int inputs() {
        return widths[0];
    }

    /** The discriminator's loss on the last batch it trained on (NaN before the first). */
    public double lastLoss() {
        return lastLoss;
    }

    /** Every layer's pre-activations and activations for one row: acts[0] is the row. */
    private double[][] forward(double[] x, double[][] pre) {
        double[][] acts = new double[widths.length][];
        acts[0] = x;
        for (int l = 0; l < w.length; l++) {
            double[] z = new double[widths[l + 1]];
            for (int j = 0; j < z.length; j++) {
                double s = b[l][j];
                double[] wj = w[l][j];
                for (int k = 0; k < wj.length; k++) {
                    s += wj[k] * acts[l][k];
                }
                z[j] = s;
            }
            pre[l] = z;
            if (l < w.length - 1) {
                double[] a = new double[z.length];
                for (int j = 0; j < z.length; j++) {
                    a[j] = z[j] > 0 ? z[j] : SLOPE * z[j];
                }
                acts[l + 1] = a;
            } else {
                acts[l + 1] = z;
            }
        }
        return acts;
    }

    /** The logit D(x) of a row. */
    public double logit(double[] x) {
        return forward(x, new double[w.length][])[w.length][0];
    }

    /**
     * Back-propagates {@code dOut} (dLoss/dD(x)) of one row: adds the parameter gradients to gw/gb when they are not
     * null, and returns dLoss/dx.
     */
    private double[] backward(double[][] acts, double[][] pre, double dOut, double[][][] gw, double[][] gb) {
        double[] delta = {dOut};
        for (int l = w.length - 1; l >= 0; l--) {
            if (gw != null) {
                for (int j = 0; j < delta.length; j++) {
                    gb[l][j] += delta[j];
                    for (int k = 0; k < acts[l].length; k++) {
                        gw[l][j][k] += delta[j] * acts[l][k];
                    }
                }
            }
            double[] prev = new double[widths[l]];
            for (int j = 0; j < delta.length; j++) {
                double[] wj = w[l][j];
                for (int k = 0; k < prev.length; k++) {
                    prev[k] += delta[j] * wj[k];
                }
            }
            if (l > 0) {
                for (int k = 0; k < prev.length; k++) {
                    prev[k] *= pre[l - 1][k] > 0 ? 1 : SLOPE;
                }
            }
            delta = prev;
        }
        return delta;
    }

    static double softplus(double x) {
        return x > 30 ? x : x < -30 ? Math.exp(x) : Math.log1p(Math.exp(x));
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /**
     * One Adam step on {@code mean softplus(-D(real)) + mean softplus(D(fake))}; returns that loss (before the step).
     */
    public double train(double[][] real, double[][] fake) {
        double[][][] gw = new double[w.length][][];
        double[][] gb = new double[w.length][];
        for (int l = 0; l < w.length; l++) {
            gw[l] = new double[widths[l + 1]][widths[l]];
            gb[l] = new double[widths[l + 1]];
        }
        double loss = 0;
        for (int side = 0; side < 2; side++) {
            double[][] rows = side == 0 ? real : fake;
            double sign = side == 0 ? -1 : 1; // softplus(-D) for real rows, softplus(D) for fake ones
            for (double[] x : rows) {
                double[][] pre = new double[w.length][];
                double[][] acts = forward(x, pre);
                double d = acts[w.length][0];
                loss += softplus(sign * d) / rows.length;
                backward(acts, pre, sign * sigmoid(sign * d) / rows.length, gw, gb);
            }
        }
        t++;
        double c1 = 1 - Math.pow(BETA1, t);
        double c2 = 1 - Math.pow(BETA2, t);
        for (int l = 0; l < w.length; l++) {
            for (int j = 0; j < w[l].length; j++) {
                for (int k = 0; k < w[l][j].length; k++) {
                    double g = gw[l][j][k];
                    mw[l][j][k] = BETA1 * mw[l][j][k] + (1 - BETA1) * g;
                    vw[l][j][k] = BETA2 * vw[l][j][k] + (1 - BETA2) * g * g;
                    w[l][j][k] -= lr * (mw[l][j][k] / c1) / (Math.sqrt(vw[l][j][k] / c2) + EPS);
                }
                double g = gb[l][j];
                mb[l][j] = BETA1 * mb[l][j] + (1 - BETA1) * g;
                vb[l][j] = BETA2 * vb[l][j] + (1 - BETA2) * g * g;
                b[l][j] -= lr * (mb[l][j] / c1) / (Math.sqrt(vb[l][j] / c2) + EPS);
            }
        }
        lastLoss = loss;
        return loss;
    }

    /** The generator loss {@code mean softplus(-D(s))} of the student's rows. */
    public double generatorLoss(double[][] fake) {
        double s = 0;
        for (double[] x : fake) {
            s += softplus(-logit(x));
        }
        return fake.length == 0 ? 0 : s / fake.length;
    }

    /** d generatorLoss / d row for each row, per example (not divided by the batch size). */
    public double[][] generatorGradient(double[][] fake) {
        double[][] g = new double[fake.length][];
        for (int i = 0; i < fake.length; i++) {
            double[][] pre = new double[w.length][];
            double[][] acts = forward(fake[i], pre);
            g[i] = backward(acts, pre, -sigmoid(-acts[w.length][0]), null, null);
        }
        return g;
    }
}
