package org.jvmcompress.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jvmcompress.core.SuiteSetup;
import org.junit.jupiter.api.extension.ExtendWith;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.task.ArchSpec;
import org.jvmcompress.core.task.Architectures;
import org.jvmcompress.core.task.SearchNets;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** DL4J's LSTM training on oneDNN primitives gives DL4J's own outputs, gradients and updates. */
@ExtendWith(SuiteSetup.class)
class OneDnnLstmHelperTest {
    /** Largest |a - b| over the largest |a| (relative to the array's scale). */
    static double relDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue() / Math.max(1e-12, a.amaxNumber().doubleValue());
    }

    void sameAsDl4j(ComputationGraph dl4j, int expectHelpers) {
        ComputationGraph fast = dl4j.clone();
        assertEquals(expectHelpers, OneDnnLstmHelper.install(fast));
        INDArray x = FloatRuntimeTest.tokens(6, 30, 300);
        // Labels 5:1, not balanced: with balanced labels the output bias gradient is a sum of terms that cancel, and
        // its error relative to its own size (float rounding over the near-zero sum) varies with the draw.
        INDArray y = Nd4j.zeros(6, 2);
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, i == 5 ? 1 : 0, 1);
        }
        // inference and training forward passes
        INDArray a = dl4j.outputSingle(false, x);
        INDArray b = fast.outputSingle(false, x);
        assertTrue(relDiff(a, b) < 1e-5, "inference " + a + " vs " + b);
        a = dl4j.outputSingle(true, x);
        b = fast.outputSingle(true, x);
        assertTrue(relDiff(a, b) < 1e-5, "training forward " + a + " vs " + b);
        // gradients of every parameter
        for (ComputationGraph g : List.of(dl4j, fast)) {
            g.setInputs(x);
            g.setLabels(y);
            g.computeGradientAndScore();
        }
        assertEquals(dl4j.score(), fast.score(), 1e-5 * Math.abs(dl4j.score()));
        for (String key : dl4j.gradient().gradientForVariable().keySet()) {
            double d = relDiff(dl4j.gradient().gradientForVariable().get(key),
                    fast.gradient().gradientForVariable().get(key));
            assertTrue(d < 1e-4, key + ": relative difference " + d);
        }
        // three optimiser steps: the same parameters
        for (int i = 0; i < 3; i++) {
            dl4j.fit(new INDArray[] {x}, new INDArray[] {y});
            fast.fit(new INDArray[] {x}, new INDArray[] {y});
        }
        double d = relDiff(dl4j.params(), fast.params());
        assertTrue(d < 1e-4, "parameters after 3 steps: relative difference " + d);
        // and the work ran on oneDNN, not on DL4J's fallback: one forward per training step (plus the ones above)
        for (OneDnnLstmHelper h : OneDnnLstmHelper.of(fast)) {
            assertTrue(h.backwardRuns >= 4, "backward passes " + h.backwardRuns);
            assertTrue(h.forwardRuns >= h.backwardRuns, "forward passes " + h.forwardRuns);
        }
    }

    @Test
    void bidirectionalTeacher() {
        sameAsDl4j(FloatRuntimeTest.perturbed(Architectures.nlpBiLstm(ArchSpec.parse("nlp-teacher,width=0.25"), 300,
                30, 2, FloatRuntimeTest.C)), 2);
    }

    @Test
    void searchSpaceLstms() {
        sameAsDl4j(SearchNets.nlp(SearchNets.parseNlp("nlpnet:e=16,enc=lstm,h=12,l=2"), 300, 30, 2,
                FloatRuntimeTest.C), 2);
        sameAsDl4j(SearchNets.nlp(SearchNets.parseNlp("nlpnet:e=16,enc=bilstm,h=8,l=1"), 300, 30, 2,
                FloatRuntimeTest.C), 2);
    }

    @Test
    void offSwitch() {
        System.setProperty(OneDnnLstmHelper.PROPERTY, "dl4j");
        try {
            assertEquals(0, OneDnnLstmHelper.install(Architectures.nlpBiLstm(ArchSpec.parse("nlp-teacher,width=0.25"),
                    300, 30, 2, FloatRuntimeTest.C)));
            System.setProperty(OneDnnLstmHelper.PROPERTY, "fast");
            org.jvmcompress.core.CompressionException e = org.junit.jupiter.api.Assertions.assertThrows(
                    org.jvmcompress.core.CompressionException.class, () -> OneDnnLstmHelper.install(
                            Architectures.nlpBiLstm(ArchSpec.parse("nlp-teacher,width=0.25"), 300, 30, 2,
                                    FloatRuntimeTest.C)));
            assertTrue(e.getMessage().contains("takes auto or dl4j, got 'fast'"), e.getMessage());
        } finally {
            System.clearProperty(OneDnnLstmHelper.PROPERTY);
        }
    }
}
