package org.jvmcompress.distill;

import org.jvmcompress.core.data.Batches;
import org.jvmcompress.distill.loss.DistillationLossFunction;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** A training source whose labels carry the teacher's cached logits beside the one-hot labels. */
final class KdSource extends Batches.Delegating {
    private final float[][] teacherLogits;

    KdSource(Batches.Source base, float[][] teacherLogits) {
        super(base);
        if (teacherLogits.length != base.size()) {
            throw new IllegalArgumentException("teacher logits for " + teacherLogits.length + " items, data has "
                    + base.size());
        }
        this.teacherLogits = teacherLogits;
    }

    @Override
    public DataSet make(int[] idx) {
        DataSet ds = base.make(idx);
        float[][] t = new float[idx.length][];
        for (int i = 0; i < idx.length; i++) {
            t[i] = teacherLogits[idx[i]];
        }
        return new DataSet(ds.getFeatures(), DistillationLossFunction.packLabels(Nd4j.create(t), ds.getLabels()));
    }

    @Override
    public org.nd4j.linalg.dataset.api.MultiDataSet makeMulti(int[] idx) {
        return make(idx).toMultiDataSet();
    }
}
