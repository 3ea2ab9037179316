package org.jvmcompress.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.util.ProgressBar;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class EmbeddingDistillerTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void quiet() {
        ProgressBar.setEnabled(false);
    }

    private static INDArray unitRows(INDArray a) {
        return a.diviColumnVector(a.norm2(1).reshape(-1, 1));
    }

    @Test
    void recallIsOneForTheSameEmbeddingsAndCountsSharedNeighbours() {
        INDArray t = unitRows(Nd4j.rand(DataType.FLOAT, 50, 8));
        assertEquals(1.0, EmbeddingDistiller.recallAtK(t, t, 5), 1e-9);
        assertEquals(1.0, EmbeddingDistiller.meanCosine(t, t), 1e-5);
        // points at angles 0, 5.7, 11.3, 16.7 and 90 degrees; the student swaps the last three's places
        INDArray teacher = unitRows(Nd4j.create(new float[][] {{1, 0}, {1, 0.1f}, {1, 0.2f}, {1, 0.3f}, {0, 1}}));
        INDArray student = unitRows(Nd4j.create(new float[][] {{1, 0}, {1, 0.1f}, {0, 1}, {1, 0.3f}, {1, 0.2f}}));
        // nearest neighbours, teacher / student: 0: 1/1, 1: 2/4, 2: 3/3, 3: 2/4, 4: 3/3 -> 3 of 5 shared
        assertEquals(0.6, EmbeddingDistiller.recallAtK(teacher, student, 1), 1e-9);
    }

    @Test
    void inputsAreCutWithSepLastAndMasked() {
        long[][] ids = {{101, 5, 6, 7, 8, 102}, {101, 9, 102}};
        INDArray[] in = EmbeddingDistiller.inputs(ids, 4, 102);
        assertArrayEquals(new float[] {101, 5, 6, 102}, in[0].getRow(0).toFloatVector());
        assertArrayEquals(new float[] {101, 9, 102, 0}, in[0].getRow(1).toFloatVector());
        assertArrayEquals(new float[] {1, 1, 1, 1}, in[1].getRow(0).toFloatVector());
        assertArrayEquals(new float[] {1, 1, 1, 0}, in[1].getRow(1).toFloatVector());
    }

    @Test
    void teacherInitialisationKeepsThePrincipalSubspace() {
        // 200 "word pieces" in 16 dimensions that vary along two directions only
        INDArray a = Nd4j.randn(DataType.FLOAT, 200, 2);
        INDArray basis = Nd4j.randn(DataType.FLOAT, 2, 16);
        INDArray words = a.mmul(basis).addi(Nd4j.randn(DataType.FLOAT, 200, 16).muli(1e-3));
        EmbeddingDistiller.Config c = new EmbeddingDistiller.Config("nlpnet:e=4,enc=cnn,h=8,l=1,k=3,pool=mean", 6, 1, 8,
                0.01, 1);
        ComputationGraph s = EmbeddingDistiller.student(c, 200, 16);
        EmbeddingDistiller.initFromTeacher(s, words);
        INDArray w = s.getLayer("embedding").getParam("W");
        assertEquals(0.1, w.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 4)).stdNumber().doubleValue(), 0.03);
        // distances between words are preserved up to scale: the first two columns span what the words vary in
        INDArray two = w.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2));
        double ratio0 = dist(words, 0, 1) / dist(two, 0, 1);
        double ratio1 = dist(words, 2, 3) / dist(two, 2, 3);
        assertEquals(ratio0, ratio1, 0.02 * ratio0);
    }

    private static double dist(INDArray m, int i, int j) {
        return m.getRow(i).sub(m.getRow(j)).norm2Number().doubleValue();
    }

    @Test
    void studentLearnsTargetsAndAFinishedRunResumesWithoutTraining() throws Exception {
        // targets that depend on which tokens a text holds: a fixed unit vector per token, averaged
        int n = 256;
        int vocab = 20;
        INDArray tokenVec = unitRows(Nd4j.randn(DataType.FLOAT, vocab, 6));
        long[][] ids = new long[n][];
        INDArray targets = Nd4j.create(DataType.FLOAT, n, 6);
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < n; i++) {
            ids[i] = new long[2 + r.nextInt(4)];
            for (int t = 0; t < ids[i].length; t++) {
                ids[i][t] = 1 + r.nextInt(vocab - 1);
                targets.getRow(i).addi(tokenVec.getRow(ids[i][t]));
            }
        }
        targets = unitRows(targets);
        INDArray[] in = EmbeddingDistiller.inputs(ids, 6, 0);
        EmbeddingDistiller.Config c = new EmbeddingDistiller.Config("nlpnet:e=16,enc=cnn,h=32,l=1,k=1,pool=mean", 6, 30, 32,
                0.01, 7);
        ComputationGraph s = EmbeddingDistiller.student(c, vocab, 6);
        double before = EmbeddingDistiller.meanCosine(targets, EmbeddingDistiller.embed(s, in, 64));
        assertEquals(30, EmbeddingDistiller.train(s, in, targets, c, dir));
        double after = EmbeddingDistiller.meanCosine(targets, EmbeddingDistiller.embed(s, in, 64));
        assertTrue(after > 0.9 && after > before + 0.2, before + " -> " + after);
        assertTrue(Files.isRegularFile(dir.resolve("student-epoch-30.zip")));
        assertTrue(Files.notExists(dir.resolve("student-epoch-29.zip")));
        ComputationGraph again = EmbeddingDistiller.student(c, vocab, 6);
        assertEquals(0, EmbeddingDistiller.train(again, in, targets, c, dir));
        assertEquals(after, EmbeddingDistiller.meanCosine(targets, EmbeddingDistiller.embed(again, in, 64)), 1e-5);
    }
}
