package org.jvmcompress.core.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {
    @Test
    void referenceValues() {
        int[] truth = {0, 0, 0, 1, 1, 2};
        int[] pred = {0, 0, 1, 1, 2, 2};
        ClassificationMetrics m = ClassificationMetrics.of(truth, pred, List.of("a", "b", "c"));
        assertEquals(4.0 / 6, m.accuracy(), 1e-12);
        assertArrayEquals(new int[] {2, 1, 0}, m.confusion()[0]);
        assertArrayEquals(new int[] {0, 1, 1}, m.confusion()[1]);
        ClassificationMetrics.ClassMetrics a = m.perClass().get(0);
        assertEquals(1.0, a.precision(), 1e-12);
        assertEquals(2.0 / 3, a.recall(), 1e-12);
        assertEquals(0.8, a.f1(), 1e-12);
        ClassificationMetrics.ClassMetrics b = m.perClass().get(1);
        assertEquals(0.5, b.precision(), 1e-12);
        assertEquals(0.5, b.recall(), 1e-12);
        ClassificationMetrics.ClassMetrics c = m.perClass().get(2);
        assertEquals(0.5, c.precision(), 1e-12);
        assertEquals(1.0, c.recall(), 1e-12);
        assertEquals((0.8 + 0.5 + 2.0 / 3) / 3, m.macroF1(), 1e-12);
        assertEquals(3, a.support());
    }

    @Test
    void anEnsembleAveragesProbabilitiesAndCanBeatEachMember() {
        int[] labels = {0, 1, 1};
        // a is right on items 0 and 1 (confidently wrong on 2), b on items 0 and 2 (hesitantly wrong on 1)
        Predictions a = new Predictions(new float[][] {{0.9f, 0.1f}, {0.2f, 0.8f}, {0.9f, 0.1f}}, labels);
        Predictions b = new Predictions(new float[][] {{0.6f, 0.4f}, {0.55f, 0.45f}, {0.05f, 0.95f}}, labels);
        Predictions e = Predictions.average(List.of(a, b));
        assertArrayEquals(new float[] {0.375f, 0.625f}, e.probabilities()[1], 1e-6f);
        assertEquals(2.0 / 3, a.accuracy(), 1e-12);
        assertEquals(2.0 / 3, b.accuracy(), 1e-12);
        assertEquals(1.0, e.accuracy(), 1e-12);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Predictions.average(
                List.of(a, new Predictions(new float[][] {{1, 0}}, new int[] {0}))));
    }

    @Test
    void agreementCountsSamePredictions() {
        Predictions p = new Predictions(new float[][] {{0.9f, 0.1f}, {0.2f, 0.8f}, {0.6f, 0.4f}}, new int[] {0, 1, 1});
        Predictions q = new Predictions(new float[][] {{0.7f, 0.3f}, {0.4f, 0.6f}, {0.3f, 0.7f}}, new int[] {0, 1, 1});
        assertEquals(2.0 / 3, Predictions.agreement(p, q), 1e-12);
        assertEquals(2.0 / 3, p.accuracy(), 1e-12);
        assertEquals(1.0, q.accuracy(), 1e-12);
    }

    @Test
    void percentiles() {
        double[] s = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(5, Measure.percentile(s, 50));
        assertEquals(10, Measure.percentile(s, 95));
    }
}
