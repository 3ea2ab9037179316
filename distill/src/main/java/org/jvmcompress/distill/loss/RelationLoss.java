package org.jvmcompress.distill.loss;

/**
 * Relation-based knowledge: a loss on how the examples of a batch relate to each other in the student's embedding
 * space compared with the teacher's. The two embeddings may differ in width. {@link #score} is the batch loss;
 * {@link #gradient} its gradient with respect to the student embeddings, multiplied by the batch size (DL4J divides
 * every gradient by the batch size).
 */
public interface RelationLoss {
    double score(double[][] student, double[][] teacher);

    double[][] gradient(double[][] student, double[][] teacher);

    /** Multiplies every value by the batch size (the convention of {@link #gradient}); returns the array. */
    static double[][] timesBatch(double[][] grad) {
        for (double[] row : grad) {
            for (int k = 0; k < row.length; k++) {
                row[k] *= grad.length;
            }
        }
        return grad;
    }
}
