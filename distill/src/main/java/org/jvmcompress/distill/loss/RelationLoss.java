package org.jvmcompress.distill.loss;

import org.jvmcompress.core.util.Matrices;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Relation-based knowledge: a loss on how the examples of a batch relate to each other in the student's embedding
 * space compared with the teacher's. The two embeddings may differ in width. {@link #score} is the batch loss;
 * {@link #gradient} its gradient with respect to the student embeddings, multiplied by the batch size (DL4J divides
 * every gradient by the batch size). Each is a {@link KnowledgeKind} (any student and teacher widths).
 */
public interface RelationLoss extends KnowledgeKind {
    double score(double[][] student, double[][] teacher);

    double[][] gradient(double[][] student, double[][] teacher);

    @Override
    default double score(INDArray labels, INDArray preOutput, long[] shape) {
        return score(Matrices.rows(preOutput), Matrices.rows(labels));
    }

    @Override
    default INDArray gradient(INDArray labels, INDArray preOutput, long[] shape) {
        return Matrices.of(gradient(Matrices.rows(preOutput), Matrices.rows(labels)), DataType.DOUBLE);
    }

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
