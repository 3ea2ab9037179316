package org.jvmcompress.distill;

import java.util.ArrayList;
import java.util.List;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.Batches;
import org.jvmcompress.distill.loss.DistillationLossFunction;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Training sources built from a teacher's outputs: augmented views, expanded data, teacher-labelled pools. */
final class TeacherSources {
    private TeacherSources() {}

    /** The items of a source as one augmentation round sees them. */
    static final class AugmentedView extends Batches.Delegating {
        private final Augmenter augmenter;
        private final long seed;

        AugmentedView(Batches.Source base, Augmenter augmenter, long seed) {
            super(base);
            this.augmenter = augmenter;
            this.seed = seed;
        }

        /**
         * The view's name in the teacher-output cache key: the augmentation and the round seed (expansion's rounds and
         * the views of averaged targets with the same augmentation share their cached outputs).
         */
        String view() {
            return "aug[" + augmenter + "]#" + seed;
        }

        @Override
        public DataSet make(int[] idx) {
            return augmenter.apply(base, idx, seed);
        }

        @Override
        public MultiDataSet makeMulti(int[] idx) {
            return make(idx).toMultiDataSet();
        }
    }

    /**
     * Teacher-expanded training data: epoch e shows every item as augmentation round (e - 1) mod R made it, with the
     * teacher's logits on exactly that input (computed once per round and cached) beside the labels.
     */
    static final class Expanded extends Batches.Delegating {
        private final List<AugmentedView> views;
        private final List<float[][]> logits;
        private int round;

        Expanded(Batches.Source base, List<AugmentedView> views, List<float[][]> logits) {
            super(base);
            this.views = views;
            this.logits = logits;
        }

        @Override
        public void setEpoch(int epoch) {
            round = Math.floorMod(epoch - 1, views.size());
        }

        @Override
        public DataSet make(int[] idx) {
            DataSet ds = views.get(round).make(idx);
            float[][] all = logits.get(round);
            float[][] t = new float[idx.length][];
            for (int i = 0; i < idx.length; i++) {
                t[i] = all[idx[i]];
            }
            return new DataSet(ds.getFeatures(), DistillationLossFunction.packLabels(Nd4j.create(t), ds.getLabels()));
        }

        @Override
        public MultiDataSet makeMulti(int[] idx) {
            return make(idx).toMultiDataSet();
        }
    }

    /** The pool items the teacher is confident about, labelled with the teacher's class (one-hot). */
    static final class Labelled extends Batches.Delegating {
        private final int[] keep;
        private final int[] cls;

        Labelled(Batches.Source pool, int[] keep, int[] cls) {
            super(pool);
            this.keep = keep;
            this.cls = cls;
        }

        /**
         * @param logits    the teacher's logits on every pool item
         * @param threshold the smallest probability of the teacher's class for an item to be kept
         */
        static Labelled of(Batches.Source pool, float[][] logits, double threshold) {
            List<Integer> kept = new ArrayList<>();
            List<Integer> classes = new ArrayList<>();
            for (int i = 0; i < logits.length; i++) {
                double[] p = TeacherMix.softmax(logits[i], 1);
                int best = 0;
                for (int c = 1; c < p.length; c++) {
                    if (p[c] > p[best]) {
                        best = c;
                    }
                }
                if (p[best] >= threshold) {
                    kept.add(i);
                    classes.add(best);
                }
            }
            if (kept.isEmpty()) {
                throw new CompressionException("the teacher is not confident enough (>= " + threshold + ") on any of the "
                        + logits.length + " pool items; lower --threshold");
            }
            return new Labelled(pool, kept.stream().mapToInt(Integer::intValue).toArray(),
                    classes.stream().mapToInt(Integer::intValue).toArray());
        }

        @Override
        public int size() {
            return keep.length;
        }

        @Override
        public DataSet make(int[] idx) {
            int[] src = new int[idx.length];
            int[] labels = new int[idx.length];
            int[] pos = new int[idx.length];
            for (int i = 0; i < idx.length; i++) {
                src[i] = keep[idx[i]];
                labels[i] = cls[idx[i]];
                pos[i] = i;
            }
            DataSet ds = base.make(src);
            return new DataSet(ds.getFeatures(), Batches.oneHot(labels, pos, numClasses()));
        }

        @Override
        public MultiDataSet makeMulti(int[] idx) {
            return make(idx).toMultiDataSet();
        }

        /** The share of the pool that was kept. */
        double keptFraction() {
            return keep.length / (double) base.size();
        }

        /** How often the teacher's label equals the pool's own (when the pool has true labels). */
        double agreementWithPool() {
            int[] truth = Teachers.labels(base);
            int same = 0;
            for (int i = 0; i < keep.length; i++) {
                same += truth[keep[i]] == cls[i] ? 1 : 0;
            }
            return same / (double) keep.length;
        }
    }

    /** Two sources one after the other. */
    static Batches.Source concat(Batches.Source a, Batches.Source b) {
        if (a.numClasses() != b.numClasses()) {
            throw new CompressionException("cannot join sources with " + a.numClasses() + " and " + b.numClasses()
                    + " classes");
        }
        return new Batches.Delegating(a) {
            @Override
            public int size() {
                return a.size() + b.size();
            }

            @Override
            public DataSet make(int[] idx) {
                List<Integer> fromA = new ArrayList<>();
                List<Integer> fromB = new ArrayList<>();
                for (int i : idx) {
                    (i < a.size() ? fromA : fromB).add(i < a.size() ? i : i - a.size());
                }
                List<DataSet> parts = new ArrayList<>();
                if (!fromA.isEmpty()) {
                    parts.add(a.make(fromA.stream().mapToInt(Integer::intValue).toArray()));
                }
                if (!fromB.isEmpty()) {
                    parts.add(b.make(fromB.stream().mapToInt(Integer::intValue).toArray()));
                }
                return parts.size() == 1 ? parts.get(0) : DataSet.merge(parts);
            }

            @Override
            public MultiDataSet makeMulti(int[] idx) {
                return make(idx).toMultiDataSet();
            }

            @Override
            public void setEpoch(int epoch) {
                a.setEpoch(epoch);
                b.setEpoch(epoch);
            }
        };
    }
}
