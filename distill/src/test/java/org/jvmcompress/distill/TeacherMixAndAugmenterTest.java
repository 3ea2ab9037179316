package org.jvmcompress.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.Batches;
import org.jvmcompress.core.data.ImageData;
import org.nd4j.linalg.dataset.DataSet;

class TeacherMixAndAugmenterTest {
    private static final float[][] A = {{2f, 0f, -2f}, {0f, 1f, 0f}};
    private static final float[][] B = {{-1f, 3f, 0f}, {0f, 0f, 4f}};

    @Test
    void mixedLogitsSoftenToTheWeightedMixture() {
        double t = 2;
        float[][] mixed = TeacherMix.parse("0.25,0.75", 2).combine(List.of(A, B), null, t);
        for (int i = 0; i < 2; i++) {
            double[] pa = TeacherMix.softmax(A[i], t);
            double[] pb = TeacherMix.softmax(B[i], t);
            double[] pm = TeacherMix.softmax(mixed[i], t);
            for (int c = 0; c < 3; c++) {
                assertEquals(0.25 * pa[c] + 0.75 * pb[c], pm[c], 1e-6);
            }
        }
        // Averaging a teacher with itself changes nothing (up to the per-row constant).
        float[][] same = TeacherMix.parse("avg", 2).combine(List.of(A, A), null, 4);
        assertArrayEquals(TeacherMix.softmax(A[0], 4), TeacherMix.softmax(same[0], 4), 1e-6);
    }

    @Test
    void confidenceFavoursTheTeacherThatIsRightOnTheExample() {
        // Row 0 is class 1: teacher B gives it most probability, so the mixture leans to B.
        float[][] mixed = TeacherMix.parse("confidence", 2).combine(List.of(A, B), new int[] {1, 2}, 1);
        double[] pm = TeacherMix.softmax(mixed[0], 1);
        double[] pa = TeacherMix.softmax(A[0], 1);
        double[] pb = TeacherMix.softmax(B[0], 1);
        double wa = pa[1] / (pa[1] + pb[1]);
        assertEquals(wa * pa[1] + (1 - wa) * pb[1], pm[1], 1e-6);
        assertTrue(pm[1] > 0.5 * (pa[1] + pb[1]));
    }

    @Test
    void badMixesAreRefused() {
        assertThrows(CompressionException.class, () -> TeacherMix.parse("0.5", 2));
        assertThrows(CompressionException.class, () -> TeacherMix.parse("0,0", 2));
        assertThrows(CompressionException.class, () -> TeacherMix.parse("median", 2));
    }

    private static Batches.Source ramp() {
        // Two 1x2x3 images: pixel value = its column (0, 1, 2) and a second one that is all 255.
        byte[] px = {0, 1, 2, 0, 1, 2, (byte) 255, (byte) 255, (byte) 255, (byte) 255, (byte) 255, (byte) 255};
        return Batches.images(new ImageData(px, new int[] {0, 1}, 1, 2, 3, List.of("a", "b")));
    }

    @Test
    void imageAugmentationsAreDeterministicAndDoWhatTheySay() {
        Batches.Source s = ramp();
        DataSet flipped = Augmenter.parse("image", "flip=1", 0).apply(s, new int[] {0}, 7);
        float[] f = flipped.getFeatures().data().asFloat();
        assertEquals(2 / 255f, f[0], 1e-6);
        assertEquals(0f, f[2], 1e-6);
        Augmenter all = Augmenter.parse("image", null, 0);
        assertArrayEquals(all.apply(s, new int[] {0, 1}, 3).getFeatures().data().asFloat(),
                all.apply(s, new int[] {0, 1}, 3).getFeatures().data().asFloat(), "same item and round, same input");
        DataSet mixed = Augmenter.parse("image", "mixup=1", 0).apply(s, new int[] {0}, 5);
        float[] y = mixed.getLabels().data().asFloat();
        assertEquals(1f, y[0] + y[1], 1e-6);
        assertTrue(y[0] >= 0.5f, "the item keeps the larger share: " + y[0]);
        DataSet clean = Augmenter.parse("image", "shift=2,flip=1,noise=0.5,clean=1", 0).apply(s, new int[] {0, 1}, 9);
        assertArrayEquals(s.make(new int[] {0, 1}).getFeatures().data().asFloat(), clean.getFeatures().data().asFloat(),
                "clean=1 leaves every item as it is");
        assertThrows(CompressionException.class, () -> Augmenter.parse("image", "mask=0.1", 0));
        assertThrows(CompressionException.class, () -> Augmenter.parse("image", "flip=2", 0));
    }

    @Test
    void tokenAugmentationsMaskReplaceAndSampleSpans() {
        int[][] ids = {{5, 6, 7, 8, 9, 10, 0, 0}};
        Batches.Source s = Batches.tokens(ids, new int[] {1}, List.of("neg", "pos"));
        float[] masked = Augmenter.parse("tokens", "mask=1", 100).apply(s, new int[] {0}, 1).getFeatures().data().asFloat();
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 0, 0}, masked, "every word masked, padding kept");
        float[] replaced = Augmenter.parse("tokens", "replace=1", 100).apply(s, new int[] {0}, 1).getFeatures().data()
                .asFloat();
        for (int i = 0; i < 6; i++) {
            assertTrue(replaced[i] >= 2 && replaced[i] < 100);
        }
        int changed = 0;
        for (int i = 0; i < 6; i++) {
            changed += replaced[i] != ids[0][i] ? 1 : 0;
        }
        assertNotEquals(0, changed, "replacement changed the words");
        float[] span = Augmenter.parse("tokens", "ngram=1", 100).apply(s, new int[] {0}, 4).getFeatures().data().asFloat();
        int n = 0;
        while (n < span.length && span[n] != 0) {
            n++;
        }
        assertTrue(n >= 3 && n <= 6, "kept 50-100 % of the words: " + n);
        for (int i = 1; i < n; i++) {
            assertEquals(span[i - 1] + 1, span[i], 1e-6, "a contiguous span");
        }
    }
}
