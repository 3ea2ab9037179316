package org.jvmcompress.distill;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.Batches;
import org.jvmcompress.core.util.AtomicFiles;
import org.jvmcompress.core.util.Hashing;
import org.jvmcompress.core.util.ProgressBar;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A teacher's logits on every item of a data source, computed once and cached on disk so that student epochs do
 * not pay for the teacher again. The cache file is named by a key of the teacher file's hash, the data hash and
 * the augmentation; a file whose header or size does not fit is recomputed. Logits are recovered from the
 * teacher's softmax output as log-probabilities centred per row (logits are defined up to a constant per row).
 */
public final class TeacherOutputs {
    private static final int MAGIC = 0x4b44_4c31; // "KDL1"

    private TeacherOutputs() {}

    /** The cache key for a teacher file, a data hash and an augmentation name. */
    public static String key(Path teacherFile, String dataHash, String augmentation) {
        return Hashing.sha256(Hashing.sha256(teacherFile) + "|" + dataHash + "|" + augmentation).substring(0, 32);
    }

    /** The logits from the cache folder, or computed (with a progress bar) and cached there. */
    public static float[][] cached(java.util.function.UnaryOperator<INDArray> teacher, Batches.Source source, Path cacheDir,
                                   String key) {
        Path file = cacheDir.resolve("teacher-logits-" + key + ".bin");
        if (Files.isRegularFile(file)) {
            float[][] got = read(file, source.size());
            if (got != null) {
                return got;
            }
        }
        float[][] logits = compute(teacher, source);
        write(file, logits);
        return logits;
    }

    public static float[][] compute(ComputationGraph teacher, Batches.Source source) {
        return compute(x -> teacher.outputSingle(false, x), source);
    }

    /** The centred log-probabilities of a model (any runtime that gives class probabilities) on every item. */
    public static float[][] compute(java.util.function.UnaryOperator<INDArray> teacher, Batches.Source source) {
        float[][] out = new float[source.size()][];
        java.util.Iterator<DataSet> it = new Batches(source, 256, false, 0).prefetched();
        int row = 0;
        try (ProgressBar bar = new ProgressBar("teacher outputs", source.size(), "samples")) {
            while (it.hasNext()) {
                DataSet ds = it.next();
                INDArray p = teacher.apply(ds.getFeatures());
                for (int i = 0; i < p.rows(); i++) {
                    out[row++] = centredLog(p.getRow(i).toFloatVector());
                }
                bar.step(p.rows());
            }
        }
        return out;
    }

    static float[] centredLog(float[] probs) {
        float[] z = new float[probs.length];
        double mean = 0;
        for (int i = 0; i < probs.length; i++) {
            z[i] = (float) Math.log(Math.max(probs[i], 1e-30f));
            mean += z[i];
        }
        mean /= probs.length;
        for (int i = 0; i < z.length; i++) {
            z[i] -= (float) mean;
        }
        return z;
    }

    static void write(Path file, float[][] logits) {
        AtomicFiles.writeStream(file, raw -> {
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 1 << 16));
            out.writeInt(MAGIC);
            out.writeInt(logits.length);
            out.writeInt(logits.length == 0 ? 0 : logits[0].length);
            for (float[] row : logits) {
                for (float v : row) {
                    out.writeFloat(v);
                }
            }
            out.flush();
        });
    }

    /** The cached logits, or null when the file is not a complete cache for {@code n} items. */
    static float[][] read(Path file, int n) {
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
            if (in.readInt() != MAGIC || in.readInt() != n) {
                return null;
            }
            int k = in.readInt();
            if (k <= 0 || Files.size(file) != 12L + 4L * n * k) {
                return null;
            }
            float[][] out = new float[n][k];
            for (float[] row : out) {
                for (int j = 0; j < k; j++) {
                    row[j] = in.readFloat();
                }
            }
            return out;
        } catch (IOException e) {
            throw new CompressionException("cannot read teacher-output cache " + file + ": " + e.getMessage(), e);
        }
    }
}
