package org.jvmcompress.core.data;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Mini-batches over an in-memory data set, as a DL4J {@link DataSetIterator}. With shuffling on, epoch {@code e}
 * visits the items in an order fixed by {@code seed + e}, so a resumed run sees the same batches.
 * {@link #prefetched()} and {@link #prefetchedMulti()} prepare the next batches on a background thread (a
 * {@link Prefetcher}, which passes a failure on to the consumer).
 */
public final class Batches implements DataSetIterator {
    /** Makes the features and labels of a batch from item indices. */
    public interface Source {
        int size();

        int numClasses();

        List<String> labelNames();

        DataSet make(int[] indices);

        /**
         * The batch for a network with several outputs: features, then one label array per output. A plain source
         * has one output; sources that add targets (a teacher's features) override this.
         */
        default org.nd4j.linalg.dataset.api.MultiDataSet makeMulti(int[] indices) {
            return make(indices).toMultiDataSet();
        }

        /** Called before each epoch's batches are made; sources whose items vary by epoch (augmentation) use it. */
        default void setEpoch(int epoch) {}
    }

    private final Source source;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private int[] order;
    private int cursor;
    private int epoch;
    private DataSetPreProcessor preProcessor;

    public Batches(Source source, int batchSize, boolean shuffle, long seed) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        this.source = source;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        setEpoch(0);
    }

    /** Positions the iterator at the start of the given epoch (its own shuffle order). */
    public void setEpoch(int e) {
        this.epoch = e;
        source.setEpoch(e);
        int n = source.size();
        if (shuffle) {
            order = permutation(n, new Random(seed + 1_000_003L * e));
        } else {
            order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
        }
        cursor = 0;
    }

    /** 0..n-1 in an order drawn from {@code r} (Fisher-Yates). */
    public static int[] permutation(int n, Random r) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    public int epoch() {
        return epoch;
    }

    public Source source() {
        return source;
    }

    public int numBatches() {
        return (source.size() + batchSize - 1) / batchSize;
    }

    /**
     * The remaining batches of the current epoch as {@link org.nd4j.linalg.dataset.api.MultiDataSet}s (the
     * source's {@link Source#makeMulti}), prepared on a background thread.
     */
    public Prefetcher<org.nd4j.linalg.dataset.api.MultiDataSet> prefetchedMulti() {
        return Prefetcher.of(() -> {
            if (!hasNext()) {
                return null;
            }
            int end = Math.min(order.length, cursor + batchSize);
            int[] idx = java.util.Arrays.copyOfRange(order, cursor, end);
            cursor = end;
            return source.makeMulti(idx);
        }, 4);
    }

    /** The remaining batches of the current epoch, prepared on a background thread. */
    public Prefetcher<DataSet> prefetched() {
        return Prefetcher.of(() -> hasNext() ? next() : null, 4);
    }

    @Override
    public DataSet next(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        int end = Math.min(order.length, cursor + num);
        int[] idx = java.util.Arrays.copyOfRange(order, cursor, end);
        cursor = end;
        DataSet ds = source.make(idx);
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    @Override
    public DataSet next() {
        return next(batchSize);
    }

    @Override
    public boolean hasNext() {
        return cursor < order.length;
    }

    @Override
    public int inputColumns() {
        return -1;
    }

    @Override
    public int totalOutcomes() {
        return source.numClasses();
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return true;
    }

    /** Restarts the current epoch (same order). */
    @Override
    public void reset() {
        cursor = 0;
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor p) {
        this.preProcessor = p;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return source.labelNames();
    }

    /** A source that passes everything to another one; subclasses change what they need. */
    public abstract static class Delegating implements Source {
        protected final Source base;

        protected Delegating(Source base) {
            this.base = base;
        }

        @Override
        public int size() {
            return base.size();
        }

        @Override
        public int numClasses() {
            return base.numClasses();
        }

        @Override
        public List<String> labelNames() {
            return base.labelNames();
        }

        @Override
        public DataSet make(int[] indices) {
            return base.make(indices);
        }

        @Override
        public org.nd4j.linalg.dataset.api.MultiDataSet makeMulti(int[] indices) {
            return base.makeMulti(indices);
        }

        @Override
        public void setEpoch(int epoch) {
            base.setEpoch(epoch);
        }
    }

    /** The first {@code n} items of a source (for quick runs). */
    public static Source limit(Source s, int n) {
        int m = Math.min(n, s.size());
        return new Delegating(s) {
            @Override
            public int size() {
                return m;
            }
        };
    }

    /** One-hot rows for integer labels. */
    public static INDArray oneHot(int[] labels, int[] idx, int numClasses) {
        float[] y = new float[idx.length * numClasses];
        for (int i = 0; i < idx.length; i++) {
            y[i * numClasses + labels[idx[i]]] = 1f;
        }
        return Nd4j.create(y, new long[] {idx.length, numClasses}, 'c');
    }

    /** Images scaled to [0, 1], NCHW. */
    public static Source images(ImageData d) {
        return new Source() {
            @Override
            public int size() {
                return d.size();
            }

            @Override
            public int numClasses() {
                return d.numClasses();
            }

            @Override
            public List<String> labelNames() {
                return d.labelNames();
            }

            @Override
            public DataSet make(int[] idx) {
                int per = d.pixelsPerImage();
                float[] x = new float[idx.length * per];
                byte[] px = d.pixels();
                for (int i = 0; i < idx.length; i++) {
                    int off = idx[i] * per;
                    int o = i * per;
                    for (int k = 0; k < per; k++) {
                        x[o + k] = (px[off + k] & 0xff) / 255f;
                    }
                }
                INDArray f = Nd4j.create(x, new long[] {idx.length, d.channels(), d.height(), d.width()}, 'c');
                return new DataSet(f, oneHot(d.labels(), idx, d.numClasses()));
            }
        };
    }

    /** Token-id sequences ([batch, length] of ids as floats, as DL4J's embedding layers take them). */
    public static Source tokens(int[][] ids, int[] labels, List<String> labelNames) {
        return new Source() {
            @Override
            public int size() {
                return ids.length;
            }

            @Override
            public int numClasses() {
                return labelNames.size();
            }

            @Override
            public List<String> labelNames() {
                return labelNames;
            }

            @Override
            public DataSet make(int[] idx) {
                int len = ids.length == 0 ? 0 : ids[0].length;
                float[] x = new float[idx.length * len];
                for (int i = 0; i < idx.length; i++) {
                    int[] row = ids[idx[i]];
                    for (int t = 0; t < len; t++) {
                        x[i * len + t] = row[t];
                    }
                }
                INDArray f = Nd4j.create(x, new long[] {idx.length, len}, 'c');
                return new DataSet(f, oneHot(labels, idx, labelNames.size()));
            }
        };
    }
}
