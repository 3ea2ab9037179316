package org.jvmcompress.distill.loss;

/**
 * Adversarial distillation on logits (after Xu, Hsu and Huang 2018, "Training Shallow and Thin Networks for
 * Acceleration via Knowledge Distillation with Conditional Adversarial Networks"): a discriminator learns to tell the
 * teacher's logits from the student's, and the student is trained to fool it. Both sides are centred per row first:
 * the teacher's logits come as centred log-probabilities, and an offset alone, which softmax ignores, would give the
 * student away. With {@code conditional=1} the discriminator also sees the one-hot label (a conditional GAN, as
 * Xu et al.). Options of {@link Adversary}, and {@code conditional}.
 */
final class AdversarialLoss implements LogitLoss {
    private final Adversary adversary;
    private final boolean conditional;

    AdversarialLoss(Configured c) {
        adversary = new Adversary(c);
        conditional = c.integer("conditional", 0, 0, 1) == 1;
    }

    /** Centred rows, with the labels after them when conditional. */
    private double[][] rows(double[][] logits, double[][] labels) {
        double[][] out = new double[logits.length][];
        for (int i = 0; i < logits.length; i++) {
            int k = logits[i].length;
            double mean = 0;
            for (double v : logits[i]) {
                mean += v / k;
            }
            out[i] = new double[conditional ? 2 * k : k];
            for (int j = 0; j < k; j++) {
                out[i][j] = logits[i][j] - mean;
            }
            if (conditional) {
                System.arraycopy(labels[i], 0, out[i], k, k);
            }
        }
        return out;
    }

    @Override
    public double score(double[][] student, double[][] teacher, double[][] labels) {
        return adversary.score(rows(student, labels));
    }

    @Override
    public double[][] gradient(double[][] student, double[][] teacher, double[][] labels) {
        return throughCentring(student, adversary.gradient(rows(student, labels), rows(teacher, labels)));
    }

    /** The gradient of {@link #score} without training the discriminator first. */
    double[][] frozenGradient(double[][] student, double[][] labels) {
        return throughCentring(student, adversary.frozenGradient(rows(student, labels)));
    }

    private static double[][] throughCentring(double[][] student, double[][] g) {
        double[][] out = new double[student.length][];
        for (int i = 0; i < g.length; i++) {
            int k = student[i].length;
            double mean = 0;
            for (int j = 0; j < k; j++) {
                mean += g[i][j] / k;
            }
            out[i] = new double[k];
            for (int j = 0; j < k; j++) {
                out[i][j] = g[i][j] - mean; // through the centring
            }
        }
        return out;
    }

    double discriminatorLoss() {
        return adversary.discriminatorLoss();
    }

    @Override
    public String toString() {
        return "ADV(logits" + (conditional ? " | label" : "") + ", " + adversary.describe() + ")";
    }
}
