package org.jvmcompress.distill;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.Batches;
import org.jvmcompress.core.data.Vocabulary;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Makes new inputs from training items for teacher-expanded data. Deterministic: an item's augmented version
 * depends only on the item and the round seed, so that a round's teacher outputs can be computed once and cached.
 * Written {@code name=value,...}; for images {@code shift} (random translation up to N pixels, zero-filled, as a
 * padded random crop), {@code flip} (probability of a horizontal flip), {@code noise} (Gaussian noise of that
 * standard deviation, on half of the items), {@code mixup} (probability that the item is blended with another one,
 * weight of the other uniform in [0, 0.5], labels blended alike); for token sequences {@code mask} (probability
 * per token of becoming the unknown token), {@code replace} (probability per token of becoming a random vocabulary
 * word) and {@code ngram} (probability that only a random contiguous span of 50-100 % of the text is kept); for
 * both, {@code clean}: the probability that an item stays as it is in a round (so that the student also sees the
 * real data; measured: rounds of augmented-only data left the small CV student behind plain KD).
 */
public final class Augmenter {
    public static final String IMAGE_DEFAULT = "shift=2,flip=0.5,noise=0.05,mixup=0.2,clean=0.5";
    public static final String TEXT_DEFAULT = "mask=0.1,replace=0.1,ngram=0.25,clean=0.5";
    /**
     * The default views of offline targets averaged over augmented inputs: small changes that keep an item what it
     * is (no noise, no mixup, which belong to expansion where the student sees the same input as the teacher).
     */
    public static final String IMAGE_VIEWS = "shift=2,flip=0.5";
    public static final String TEXT_VIEWS = "mask=0.1";
    private static final Map<String, Double> IMAGE_KEYS = Map.of("shift", 2.0, "flip", 0.5, "noise", 0.05, "mixup", 0.2,
            "clean", 0.5);
    private static final Map<String, Double> TEXT_KEYS = Map.of("mask", 0.1, "replace", 0.1, "ngram", 0.25, "clean",
            0.5);

    private final boolean image;
    private final Map<String, Double> p;
    private final int vocabSize;

    private Augmenter(boolean image, Map<String, Double> p, int vocabSize) {
        this.image = image;
        this.p = p;
        this.vocabSize = vocabSize;
    }

    /**
     * @param input     "image" or "tokens" (the task's input kind)
     * @param spec      the settings, or null for the defaults
     * @param vocabSize the vocabulary size for token replacement
     */
    public static Augmenter parse(String input, String spec, int vocabSize) {
        boolean image = input.equals("image");
        Map<String, Double> known = image ? IMAGE_KEYS : TEXT_KEYS;
        Map<String, Double> p = new LinkedHashMap<>();
        String s = spec == null || spec.isBlank() ? (image ? IMAGE_DEFAULT : TEXT_DEFAULT) : spec;
        for (String part : s.split(",")) {
            String[] kv = part.split("=", 2);
            String key = kv[0].trim();
            if (!known.containsKey(key) || kv.length != 2) {
                throw new CompressionException("augmentation '" + part + "' is not one of " + String.join(", ",
                        known.keySet().stream().sorted().toList()) + " (as NAME=VALUE) for " + input + " input");
            }
            double v;
            try {
                v = Double.parseDouble(kv[1].trim());
            } catch (NumberFormatException e) {
                throw new CompressionException("augmentation " + key + " needs a number, got '" + kv[1] + "'");
            }
            boolean probability = !key.equals("shift") && !key.equals("noise");  // clean is a probability too
            if (!(v >= 0) || (probability && v > 1) || Double.isInfinite(v)) {
                throw new CompressionException("augmentation " + key + " must be " + (probability
                        ? "a probability in [0, 1]" : "non-negative") + ", got " + v);
            }
            p.put(key, v);
        }
        return new Augmenter(image, p, vocabSize);
    }

    /** The default views for an input kind ("image" or "tokens"). */
    public static String viewsDefault(String input) {
        return input.equals("image") ? IMAGE_VIEWS : TEXT_VIEWS;
    }

    private double get(String key) {
        return p.getOrDefault(key, 0.0);
    }

    /** The batch of items {@code idx} of {@code base}, augmented for the round with seed {@code seed}. */
    public DataSet apply(Batches.Source base, int[] idx, long seed) {
        DataSet ds = base.make(idx);
        return image ? images(base, ds, idx, seed) : tokens(ds, idx, seed);
    }

    private static Random random(long seed, int item) {
        return new Random(seed * 0x9E3779B97F4A7C15L + item * 0xC2B2AE3D27D4EB4FL + 17);
    }

    private DataSet images(Batches.Source base, DataSet ds, int[] idx, long seed) {
        INDArray f = ds.getFeatures().castTo(DataType.FLOAT);
        long[] shape = f.shape();
        int c = (int) shape[1];
        int h = (int) shape[2];
        int w = (int) shape[3];
        int per = c * h * w;
        float[] x = org.jvmcompress.core.util.Matrices.floats(f);
        float[] y = org.jvmcompress.core.util.Matrices.floats(ds.getLabels());
        int k = (int) ds.getLabels().size(1);
        float[] out = new float[x.length];
        int shift = (int) get("shift");
        for (int b = 0; b < idx.length; b++) {
            Random r = random(seed, idx[b]);
            float[] img = new float[per];
            System.arraycopy(x, b * per, img, 0, per);
            if (r.nextDouble() < get("clean")) {
                System.arraycopy(img, 0, out, b * per, per);
                continue;
            }
            if (r.nextDouble() < get("mixup") && base.size() > 1) {
                int other = r.nextInt(base.size());
                DataSet o = base.make(new int[] {other});
                float[] ox = org.jvmcompress.core.util.Matrices.floats(o.getFeatures());
                float[] oy = org.jvmcompress.core.util.Matrices.floats(o.getLabels());
                float lam = (float) (0.5 * r.nextDouble());
                for (int i = 0; i < per; i++) {
                    img[i] = (1 - lam) * img[i] + lam * ox[i];
                }
                for (int j = 0; j < k; j++) {
                    y[b * k + j] = (1 - lam) * y[b * k + j] + lam * oy[j];
                }
            }
            boolean flip = r.nextDouble() < get("flip");
            int dy = shift == 0 ? 0 : r.nextInt(2 * shift + 1) - shift;
            int dx = shift == 0 ? 0 : r.nextInt(2 * shift + 1) - shift;
            boolean noisy = get("noise") > 0 && r.nextBoolean();
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < w; j++) {
                        int si = i + dy;
                        int sj = (flip ? w - 1 - j : j) + dx;
                        float v = si < 0 || si >= h || sj < 0 || sj >= w ? 0f : img[ch * h * w + si * w + sj];
                        if (noisy) {
                            v += (float) (get("noise") * r.nextGaussian());
                        }
                        out[b * per + ch * h * w + i * w + j] = v;
                    }
                }
            }
        }
        return new DataSet(Nd4j.create(out, shape), Nd4j.create(y, new long[] {idx.length, k}));
    }

    private DataSet tokens(DataSet ds, int[] idx, long seed) {
        INDArray f = ds.getFeatures().castTo(DataType.FLOAT);
        long[] shape = f.shape();
        int len = (int) shape[shape.length - 1];
        float[] x = org.jvmcompress.core.util.Matrices.floats(f);
        float[] out = new float[x.length];
        for (int b = 0; b < idx.length; b++) {
            Random r = random(seed, idx[b]);
            if (r.nextDouble() < get("clean")) {
                System.arraycopy(x, b * len, out, b * len, len);
                continue;
            }
            int n = 0;
            while (n < len && x[b * len + n] != Vocabulary.PAD_ID) {
                n++;
            }
            int from = 0;
            int to = n;
            if (n > 1 && r.nextDouble() < get("ngram")) {
                int keep = Math.max(1, (int) Math.round(n * (0.5 + 0.5 * r.nextDouble())));
                from = r.nextInt(n - keep + 1);
                to = from + keep;
            }
            for (int i = from; i < to; i++) {
                float t = x[b * len + i];
                double u = r.nextDouble();
                if (u < get("mask")) {
                    t = Vocabulary.UNK_ID;
                } else if (u < get("mask") + get("replace") && vocabSize > 2) {
                    t = 2 + r.nextInt(vocabSize - 2);
                }
                out[b * len + i - from] = t;
            }
        }
        return new DataSet(Nd4j.create(out, shape), ds.getLabels());
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, Double> e : p.entrySet()) {
            s.append(s.length() == 0 ? "" : ",").append(e.getKey()).append('=')
                    .append(String.format(Locale.ROOT, "%s", e.getValue()));
        }
        return s.toString();
    }
}
