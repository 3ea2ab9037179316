package org.jvmcompress.distill.loss;

/**
 * A loss on a batch of student logits, given the teacher's logits and the one-hot labels, with its exact
 * gradient. Rows are examples; every method returns the batch <em>mean</em> of the per-example loss, and
 * {@link #gradient} the gradient of the per-example losses (not divided by the batch size, as DL4J expects).
 */
public interface LogitLoss {
    double score(double[][] student, double[][] teacher, double[][] labels);

    double[][] gradient(double[][] student, double[][] teacher, double[][] labels);

    /** The loss as a formula, e.g. {@code KL(T=4)}. */
    @Override
    String toString();
}
