package org.jvmcompress.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jvmcompress.core.SuiteSetup;
import org.junit.jupiter.api.extension.ExtendWith;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.jvmcompress.core.task.Architectures;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/** The fused Adam step leaves the same update and state as ND4J's adam_updater op. */
@ExtendWith(SuiteSetup.class)
class FusedAdamTest {
    /** ND4J's updater and the fused one, each on its own zeroed state, fed the same gradients. */
    private static void sameAsOp(int n, Adam config) {
        INDArray stateOp = Nd4j.zeros(DataType.FLOAT, 1, 2L * n);
        INDArray stateFused = Nd4j.zeros(DataType.FLOAT, 1, 2L * n);
        AdamUpdater op = new AdamUpdater(config);
        op.setStateViewArray(stateOp, new long[] {1, n}, 'c', true);
        AdamUpdater plain = new AdamUpdater(config);
        plain.setStateViewArray(stateFused, new long[] {1, n}, 'c', true);
        FusedAdam fused = new FusedAdam(plain);
        Nd4j.getRandom().setSeed(n);
        for (int it = 0; it < 6; it++) {
            INDArray g = Nd4j.randn(DataType.FLOAT, 1, n).muli(it % 2 == 0 ? 1e-3 : 5);
            INDArray a = g.dup();
            INDArray b = g.dup();
            op.applyUpdater(a, it, 0);
            fused.applyUpdater(b, it, 0);
            assertClose(a, b, "update at iteration " + it);
        }
        assertEquals(6, fused.fusedSteps, "the fused loop did not run");
        assertClose(stateOp, stateFused, "m and v");
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double scale = Math.max(1e-12, expected.amaxNumber().doubleValue());
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff <= 2e-6 * scale, what + ": max difference " + diff + " against a largest value " + scale);
    }

    @Test
    void oneThreadAndSplitAcrossCores() {
        sameAsOp(1_000, new Adam(1e-3));
        sameAsOp(200_003, new Adam(1e-3));
    }

    @Test
    void learningRateScheduleAndOtherBetas() {
        Adam a = new Adam(new ExponentialSchedule(ScheduleType.ITERATION, 3e-3, 0.7));
        a.setBeta1(0.8);
        a.setBeta2(0.99);
        a.setEpsilon(1e-6);
        sameAsOp(70_001, a);
    }

    /** A graph trained by DL4J's fit with and without the fused updater in its blocks: the same parameters. */
    @Test
    void installedInAGraphsUpdater() {
        var c = new org.jvmcompress.core.task.TrainConfig("x", 1, 16, 1e-3, 1.0, 1, 0, 0, 0);
        ComputationGraph stock = Architectures.cvStudent(1, 28, 28, 10, c);
        ComputationGraph fused = stock.clone();
        FusedAdam.install(fused);
        long blocks = ((BaseMultiLayerUpdater<?>) fused.getUpdater()).getUpdaterBlocks().stream()
                .map(UpdaterBlock::getGradientUpdater).filter(u -> u instanceof FusedAdam).count();
        assertTrue(blocks > 0, "no Adam block was replaced");
        INDArray x = Nd4j.randn(DataType.FLOAT, 16, 1, 28, 28);
        INDArray y = OneDnnTrainerTest.labels(16, 10);
        for (int step = 0; step < 4; step++) {
            stock.fit(new MultiDataSet(x, y));
            fused.fit(new MultiDataSet(x, y));
        }
        long steps = ((BaseMultiLayerUpdater<?>) fused.getUpdater()).getUpdaterBlocks().stream()
                .map(UpdaterBlock::getGradientUpdater).filter(u -> u instanceof FusedAdam)
                .mapToLong(u -> ((FusedAdam) u).fusedSteps).sum();
        assertEquals(4 * blocks, steps, "the fused loop did not take the graph's steps");
        assertClose(stock.params(), fused.params(), "parameters after 4 steps");
        assertClose(stock.getUpdater().getStateViewArray(), fused.getUpdater().getStateViewArray(), "Adam state");
    }
}
