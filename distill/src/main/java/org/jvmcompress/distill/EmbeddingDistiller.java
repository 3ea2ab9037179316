package org.jvmcompress.distill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.model.onnx.SentenceEmbedder;
import org.jvmcompress.core.task.SearchNets;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.util.AtomicFiles;
import org.jvmcompress.core.util.Hashing;
import org.jvmcompress.core.util.ProgressBar;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Embedding distillation: a student text encoder learns to reproduce a sentence encoder's embeddings on unlabelled
 * text (Reimers and Gurevych 2020's student-teacher setup, the student here a smaller network). The student reads the
 * teacher's own word pieces (its tokenizer, its vocabulary) truncated to a fixed length, with a mask for the padding,
 * and ends in a linear layer as wide as the teacher's embedding trained on the cosine to it. The teacher's embeddings
 * are computed once and kept in the run folder in chunks, so an interrupted run resumes where it stopped; each
 * finished epoch of the student is checkpointed there too.
 */
public final class EmbeddingDistiller {
    private static final int CHUNK = 2048;

    private EmbeddingDistiller() {}

    /** How the student is built and trained. */
    public record Config(String student, int length, int epochs, int batch, double learningRate, long seed) {
        public Config {
            if (length < 2 || epochs < 1 || batch < 1 || !(learningRate > 0)) {
                throw new CompressionException("embedding distillation needs length >= 2, epochs >= 1, batch >= 1 and"
                        + " a positive learning rate");
            }
        }
    }

    /**
     * The teacher's embeddings of {@code texts} [n, width]: from {@code dir}'s chunk files where an earlier run left
     * them (each keyed by its texts and the teacher), computed and written chunk by chunk otherwise.
     */
    public static INDArray teacherEmbeddings(SentenceEmbedder teacher, String teacherKey, List<String> texts, Path dir,
                                             String label) {
        // one file per chunk, named by the teacher and the chunk's texts: a larger run reuses a smaller one's chunks
        Path cache = dir.resolve("teacher-embeddings");
        String teacherTag = teacherKey + "|" + teacher.maxTokens() + "|";
        int width = teacher.encoder().width();
        INDArray out = Nd4j.create(DataType.FLOAT, texts.size(), width);
        try {
            Files.createDirectories(cache);
            try (ProgressBar bar = new ProgressBar("teacher embeddings (" + label + ")", texts.size(), "texts")) {
                for (int from = 0; from < texts.size(); from += CHUNK) {
                    int to = Math.min(texts.size(), from + CHUNK);
                    Path f = cache.resolve(Hashing.sha256(teacherTag + String.join("\n", texts.subList(from, to)))
                            .substring(0, 24) + ".bin");
                    INDArray part;
                    if (Files.isRegularFile(f) && Files.size(f) == 4L * (to - from) * width) {
                        part = readFloats(f, to - from, width);
                        bar.resumed(to - from);
                    } else {
                        part = teacher.embed(texts.subList(from, to), 32, bar::step);
                        writeFloats(f, part);
                    }
                    out.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).assign(part);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** A text network from an {@code nlpnet:} spec whose head gives {@code width} numbers trained on the cosine. */
    public static ComputationGraph student(Config c, int vocab, int width) {
        TrainConfig tc = new TrainConfig(c.student(), c.epochs(), c.batch(), c.learningRate(), 1.0, 1, 0, c.seed(), 0);
        return SearchNets.nlp(SearchNets.parseNlp(c.student()), vocab, c.length(), width, tc,
                LossFunctions.LossFunction.COSINE_PROXIMITY, Activation.IDENTITY);
    }

    /**
     * Starts the student's word-piece embeddings from the teacher's own, projected on their first principal components
     * (as many as the student is wide) and scaled to a standard deviation of 0.1: the student begins knowing which word
     * pieces the teacher treats alike, instead of from noise.
     */
    public static void initFromTeacher(ComputationGraph s, INDArray teacherWords) {
        INDArray w = s.getLayer("embedding").getParam("W");
        int e = (int) w.size(1);
        INDArray x = teacherWords.castTo(DataType.DOUBLE);
        x = x.subRowVector(x.mean(0));
        INDArray cov = x.transpose().mmul(x).divi(x.size(0));
        INDArray vals = org.nd4j.linalg.eigen.Eigen.symmetricGeneralizedEigenvalues(cov, true); // cov -> eigenvectors
        double[] v = vals.toDoubleVector();
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(v[b], v[a]));
        int[] top = new int[Math.min(e, v.length)];
        for (int i = 0; i < top.length; i++) {
            top[i] = order[i];
        }
        INDArray proj = x.mmul(cov.getColumns(top));
        proj.divi(proj.stdNumber().doubleValue()).muli(0.1);
        w.assign(0);
        w.get(NDArrayIndex.all(), NDArrayIndex.interval(0, top.length)).assign(proj.castTo(w.dataType()));
    }

    /** Token ids cut to {@code length} (the last kept one becomes [SEP]) and padded with 0, and their mask. */
    public static INDArray[] inputs(long[][] ids, int length, long sep) {
        float[] x = new float[ids.length * length];
        float[] m = new float[ids.length * length];
        for (int i = 0; i < ids.length; i++) {
            int n = Math.min(length, ids[i].length);
            for (int t = 0; t < n; t++) {
                x[i * length + t] = ids[i][t];
                m[i * length + t] = 1;
            }
            if (ids[i].length > length) {
                x[i * length + length - 1] = sep;
            }
        }
        return new INDArray[] {Nd4j.create(x, new long[] {ids.length, length}, 'c'),
                Nd4j.create(m, new long[] {ids.length, length}, 'c')};
    }

    /**
     * Trains the student for the configured epochs on (inputs, teacher embeddings), shuffled by the seed; after each
     * epoch it is checkpointed to {@code dir}, from where a rerun resumes. The epochs finished in this call are returned.
     */
    public static int train(ComputationGraph s, INDArray[] in, INDArray targets, Config c, Path dir) {
        int done = 0;
        for (int e = c.epochs(); e >= 1; e--) {
            Path f = dir.resolve("student-epoch-" + e + ".zip");
            if (Files.isRegularFile(f)) {
                try {
                    ComputationGraph saved = ModelSerializer.restoreComputationGraph(f.toFile(), true);
                    s.setParams(saved.params());
                    s.setUpdater(saved.getUpdater());
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
                done = e;
                break;
            }
        }
        int n = (int) in[0].size(0);
        try (ProgressBar bar = new ProgressBar("student (" + c.student() + ")", (long) c.epochs() * n, "texts")) {
            bar.resumed((long) done * n);
            for (int e = done + 1; e <= c.epochs(); e++) {
                int[] order = org.jvmcompress.core.data.Batches.permutation(n, new Random(c.seed() * 1_000_003L + e));
                double loss = 0;
                int batches = 0;
                for (int from = 0; from < n; from += c.batch()) {
                    int[] idx = java.util.Arrays.copyOfRange(order, from, Math.min(n, from + c.batch()));
                    DataSet ds = new DataSet(in[0].getRows(idx), targets.getRows(idx), in[1].getRows(idx), null);
                    s.fit(ds);
                    loss += s.score();
                    batches++;
                    bar.step(idx.length);
                    bar.suffix(String.format("epoch %d, cosine %.4f", e, -loss / batches));
                }
                Path f = dir.resolve("student-epoch-" + e + ".zip");
                AtomicFiles.write(f, tmp -> ModelSerializer.writeModel(s, tmp.toFile(), true));
                try {
                    Files.deleteIfExists(dir.resolve("student-epoch-" + (e - 1) + ".zip"));
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            }
        }
        return c.epochs() - done;
    }

    /** The student's embeddings, scaled to unit length (as the teacher's are). */
    public static INDArray embed(ComputationGraph s, INDArray[] in, int batch) {
        int n = (int) in[0].size(0);
        List<INDArray> parts = new ArrayList<>();
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            INDArray x = in[0].get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
            INDArray m = in[1].get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
            INDArray y = s.output(false, new INDArray[] {x}, new INDArray[] {m})[0];
            parts.add(y.diviColumnVector(y.norm2(1).reshape(-1, 1).addi(1e-12)));
        }
        return Nd4j.vstack(parts);
    }

    /** The mean of the row-wise cosines of two sets of unit vectors. */
    public static double meanCosine(INDArray a, INDArray b) {
        return a.mul(b).sum(1).meanNumber().doubleValue();
    }

    /**
     * How many of each text's {@code k} nearest neighbours by the teacher's embeddings (the text itself excluded) are
     * also among its {@code k} nearest by the student's, averaged over the texts.
     */
    public static double recallAtK(INDArray teacher, INDArray student, int k) {
        int n = (int) teacher.size(0);
        INDArray st = teacher.mmul(teacher.transpose());
        INDArray ss = student.mmul(student.transpose());
        double sum = 0;
        for (int i = 0; i < n; i++) {
            int[] t = topK(st.getRow(i).toFloatVector(), i, k);
            int[] s = topK(ss.getRow(i).toFloatVector(), i, k);
            java.util.Set<Integer> set = new java.util.HashSet<>();
            for (int v : t) {
                set.add(v);
            }
            int hit = 0;
            for (int v : s) {
                hit += set.contains(v) ? 1 : 0;
            }
            sum += hit / (double) k;
        }
        return sum / n;
    }

    private static int[] topK(float[] sim, int self, int k) {
        Integer[] idx = new Integer[sim.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, (x, y) -> Float.compare(sim[y], sim[x]));
        int[] out = new int[k];
        for (int i = 0, j = 0; j < k && i < idx.length; i++) {
            if (idx[i] != self) {
                out[j++] = idx[i];
            }
        }
        return out;
    }

    static void writeFloats(Path f, INDArray a) {
        float[] v = a.dup('c').data().asFloat();
        ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(v);
        AtomicFiles.write(f, tmp -> Files.write(tmp, bb.array()));
    }

    static INDArray readFloats(Path f, int rows, int cols) throws IOException {
        float[] v = new float[rows * cols];
        ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return Nd4j.create(v, new long[] {rows, cols}, 'c');
    }
}
