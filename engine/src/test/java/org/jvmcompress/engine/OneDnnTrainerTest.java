package org.jvmcompress.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jvmcompress.core.SuiteSetup;
import org.junit.jupiter.api.extension.ExtendWith;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.task.Architectures;
import org.jvmcompress.core.task.SearchNets;
import org.jvmcompress.core.task.TrainConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/** Training steps on oneDNN move every parameter (and batch norm's running statistics) as DL4J's own steps do. */
@ExtendWith(SuiteSetup.class)
class OneDnnTrainerTest {
    static final TrainConfig C = new TrainConfig("x", 1, 32, 1e-3, 1.0, 1, 0, 0, 0);

    static INDArray labels(int n, int classes) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, (i * 7) % classes, 1);
        }
        return y;
    }

    /**
     * Steps of DL4J's fit on the network and as many of the trainer on its clone: the same parameters. A bias before
     * batch norm has a zero gradient (Adam moves it by rounding noise, differently in each), so it is not compared, nor
     * after the first step the running mean of the batch norm it shifts.
     */
    static void sameSteps(ComputationGraph dl4j, INDArray x, INDArray y, double tolerance, int steps) {
        sameSteps(dl4j, new MultiDataSet(x, y), tolerance, steps);
    }

    static void sameSteps(ComputationGraph dl4j, MultiDataSet ds, double tolerance, int steps) {
        ComputationGraph start = dl4j.clone();
        sameSteps(dl4j.clone(), start.clone(), ds, tolerance, steps, false);
        // the fused Adam in place (as training installs it): the update straight onto the parameters where it can
        ComputationGraph fused = start.clone();
        FusedAdam.install(fused);
        sameSteps(dl4j, fused, ds, tolerance, steps, true);
    }

    /**
     * @param fusedWhereItCan whether ours has the fused Adam: the trainer then updates in one pass unless a layer
     *                        normalises its gradient or is regularised, or a block is not Adam (batch norm's statistics)
     */
    static void sameSteps(ComputationGraph dl4j, ComputationGraph ours, MultiDataSet ds, double tolerance,
                          int steps, boolean fusedWhereItCan) {
        INDArray before = dl4j.params().dup();
        NativeTrainer t = NativeTrainer.forGraph(ours);
        assertNotNull(t, "no native trainer");
        for (int step = 0; step < steps; step++) {
            dl4j.fit(ds);
            double score = t.fit(ds);
            assertEquals(dl4j.score(), score, 1e-4 * Math.max(1, Math.abs(score)), "loss at step " + step);
        }
        assertEquals(steps, ours.getConfiguration().getIterationCount());
        boolean batchNorm = dl4j.paramTable().keySet().stream().anyMatch(k -> k.contains("_bn_"));
        assertEquals(fusedWhereItCan && !batchNorm ? steps : 0, t.fusedUpdates, "updates in one pass");
        INDArray moved = dl4j.params().sub(before);
        assertTrue(moved.amaxNumber().doubleValue() > 0, "the steps changed nothing");
        for (String layer : dl4j.paramTable().keySet()) {
            if (layer.endsWith("_b") && dl4j.paramTable().containsKey(layer.replace("_b", "_bn_gamma"))
                    || steps > 1 && layer.endsWith("_bn_mean")) {
                continue;
            }
            INDArray a = dl4j.paramTable().get(layer);
            INDArray b = ours.paramTable().get(layer);
            double d = a.sub(b).amaxNumber().doubleValue() / Math.max(1e-3, a.amaxNumber().doubleValue());
            assertTrue(d < tolerance, layer + ": relative difference " + d);
        }
        // Adam's state too (what a checkpoint saves)
        INDArray s1 = dl4j.getUpdater().getStateViewArray();
        INDArray s2 = ours.getUpdater().getStateViewArray();
        double d = s1.sub(s2).amaxNumber().doubleValue() / Math.max(1e-12, s1.amaxNumber().doubleValue());
        assertTrue(d < tolerance, "updater state: relative difference " + d);
        t.close();
    }

    @Test
    void studentStepsEqualDl4j() {
        Nd4j.getRandom().setSeed(5);
        sameSteps(Architectures.cvStudent(1, 28, 28, 10, C), Nd4j.rand(DataType.FLOAT, 16, 1, 28, 28),
                labels(16, 10), 1e-3, 3);
    }

    /**
     * Extra loss outputs on inner layers (as feature distillation adds them): on a convolution's activations through
     * a flattening, two on the dense layer; their losses add to the step's and their gradients to the layers'.
     */
    @Test
    void lossOutputsOnInnerLayersStepAsDl4j() {
        Nd4j.getRandom().setSeed(9);
        ComputationGraph student = Architectures.cv(new Architectures.CvShape(new int[] {4, 6}, 1, 12, false, 0, false),
                1, 8, 8, 3, C);
        org.deeplearning4j.nn.transferlearning.TransferLearning.GraphBuilder b =
                new org.deeplearning4j.nn.transferlearning.TransferLearning.GraphBuilder(student);
        b.addLayer("tap0", new org.deeplearning4j.nn.conf.layers.LossLayer.Builder(
                        org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MSE)
                .activation(org.nd4j.linalg.activations.Activation.IDENTITY).build(),
                new org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor(8, 8, 4), "conv1");
        b.addLayer("tap1", new org.deeplearning4j.nn.conf.layers.LossLayer.Builder(
                        org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.L1)
                .activation(org.nd4j.linalg.activations.Activation.IDENTITY).build(), "fc");
        b.addLayer("tap2", new org.deeplearning4j.nn.conf.layers.LossLayer.Builder(
                        org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MSE)
                .activation(org.nd4j.linalg.activations.Activation.IDENTITY).build(), "fc");
        // adapters between a layer and its loss output (FitNets' hints): a 1x1 convolution, a dense layer on a
        // flattened feature map
        b.addLayer("adapter3", new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(1, 1).nIn(6).nOut(5)
                .convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.Same).updater(new Adam(1e-3))
                .activation(org.nd4j.linalg.activations.Activation.IDENTITY).build(), "conv2");
        b.addLayer("tap3", new org.deeplearning4j.nn.conf.layers.LossLayer.Builder(
                        org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MSE)
                .activation(org.nd4j.linalg.activations.Activation.IDENTITY).build(),
                new org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor(4, 4, 5), "adapter3");
        b.addLayer("adapter4", new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(4 * 4 * 4).nOut(7)
                .updater(new Adam(1e-3)).activation(org.nd4j.linalg.activations.Activation.IDENTITY).build(),
                new org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor(4, 4, 4), "pool1");
        b.addLayer("tap4", new org.deeplearning4j.nn.conf.layers.LossLayer.Builder(
                        org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MSE)
                .activation(org.nd4j.linalg.activations.Activation.IDENTITY).build(), "adapter4");
        b.setOutputs("output", "tap0", "tap1", "tap2", "tap3", "tap4");
        ComputationGraph g = b.build();
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 1, 8, 8);
        MultiDataSet ds = new MultiDataSet(new INDArray[] {x}, new INDArray[] {labels(6, 3),
                Nd4j.rand(DataType.FLOAT, 6, 4 * 8 * 8), Nd4j.rand(DataType.FLOAT, 6, 12).muli(0.2),
                Nd4j.rand(DataType.FLOAT, 6, 12), Nd4j.rand(DataType.FLOAT, 6, 5 * 4 * 4),
                Nd4j.rand(DataType.FLOAT, 6, 7)});
        assertTrue(OneDnnTrainer.create(g).toString().startsWith("oneDNN trainer"));
        sameSteps(g, ds, 1e-3, 3);
        // a loss output on a vertex outside the chain, or the output layer's, is left to DL4J
        org.deeplearning4j.nn.transferlearning.TransferLearning.GraphBuilder onOut =
                new org.deeplearning4j.nn.transferlearning.TransferLearning.GraphBuilder(student);
        onOut.addLayer("tap", new org.deeplearning4j.nn.conf.layers.LossLayer.Builder(
                        org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MSE)
                .activation(org.nd4j.linalg.activations.Activation.IDENTITY).build(), "output");
        onOut.setOutputs("output", "tap");
        CompressionException e = assertThrows(CompressionException.class, () -> OneDnnTrainer.create(onOut.build()));
        assertTrue(e.getMessage().contains("output layer"), e.getMessage());
    }

    @Test
    void batchNormStepsEqualDl4j() {
        Nd4j.getRandom().setSeed(6);
        // conv + batch norm + ReLU layers, both batch norm parameterisations of the running variance
        ComputationGraph g = Architectures.cv(new Architectures.CvShape(new int[] {8, 12}, 2, 16, true, 0, false),
                1, 12, 12, 4, C);
        INDArray x = Nd4j.rand(DataType.FLOAT, 10, 1, 12, 12).subi(0.5);
        sameSteps(g.clone(), x, labels(10, 4), 1e-3, 1);
        sameSteps(g, x, labels(10, 4), 1e-3, 3);
        ComputationGraph v = Architectures.cv(new Architectures.CvShape(new int[] {6}, 1, 8, true, 0, false),
                2, 9, 9, 3, C);
        org.deeplearning4j.nn.conf.ComputationGraphConfiguration vc = v.getConfiguration().clone();
        ((org.deeplearning4j.nn.conf.layers.BatchNormalization) ((org.deeplearning4j.nn.conf.graph.LayerVertex)
                vc.getVertices().get("conv1_bn")).getLayerConf().getLayer()).setUseLogStd(false);
        ComputationGraph varParam = new ComputationGraph(vc);
        varParam.init();
        assertTrue(varParam.getLayer("conv1_bn").paramTable().containsKey("var"));
        sameSteps(varParam.clone(), Nd4j.rand(DataType.FLOAT, 7, 2, 9, 9), labels(7, 3), 1e-3, 1);
        sameSteps(varParam, Nd4j.rand(DataType.FLOAT, 7, 2, 9, 9), labels(7, 3), 1e-3, 3);
    }

    @Test
    void embeddingBagStepsEqualDl4j() {
        Nd4j.getRandom().setSeed(8);
        INDArray x = Nd4j.rand(DataType.FLOAT, 12, 30).muli(299).castTo(DataType.INT32).castTo(DataType.FLOAT);
        x.putScalar(0, 0, 7); // a token twice in one example and in two examples
        x.putScalar(0, 1, 7);
        x.putScalar(1, 5, 7);
        sameSteps(Architectures.nlpStudent(300, 30, 2, C), x, labels(12, 2), 1e-3, 3);
        sameSteps(SearchNets.nlp(SearchNets.parseNlp("nlpnet:e=16,enc=mean,h=8,l=1"), 300, 30, 3, C), x,
                labels(12, 3), 1e-3, 3);
        ComputationGraph g = Architectures.nlpStudent(300, 30, 2, C);
        NativeTrainer t = NativeTrainer.forGraph(g);
        INDArray bad = x.dup();
        bad.putScalar(2, 3, 300);
        CompressionException e = assertThrows(CompressionException.class,
                () -> t.fit(new MultiDataSet(bad, labels(12, 2))));
        assertTrue(e.getMessage().contains("vocabulary"), e.getMessage());
    }

    @Test
    void dropoutTrainsAndLastBatchesOfOtherSizesRun() {
        Nd4j.getRandom().setSeed(7);
        ComputationGraph g = Architectures.cv(new Architectures.CvShape(new int[] {8}, 1, 32, true, 0.5, false),
                1, 10, 10, 3, C);
        OneDnnTrainer t = OneDnnTrainer.create(g);
        INDArray x = Nd4j.rand(DataType.FLOAT, 24, 1, 10, 10);
        INDArray y = labels(24, 3);
        for (int i = 0; i < 24; i++) { // a learnable signal: the class brightens one third of the image
            int c = (i * 7) % 3;
            x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(c * 3, c * 3 + 3),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).addi(2);
        }
        double first = t.fit(new MultiDataSet(x, y));
        double last = first;
        for (int step = 0; step < 60; step++) {
            last = t.fit(new MultiDataSet(x, y));
        }
        assertTrue(Double.isFinite(last) && last < 0.5 * first, "loss " + first + " -> " + last);
        // a smaller batch (an epoch's last) gets its own primitives
        double small = t.fit(new MultiDataSet(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 5)).dup(),
                y.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 5)).dup()));
        assertTrue(Double.isFinite(small));
        INDArray out = g.outputSingle(x);
        int right = 0;
        for (int i = 0; i < 24; i++) {
            right += out.getRow(i).argMax().getInt(0) == (i * 7) % 3 ? 1 : 0;
        }
        assertTrue(right >= 20, right + " of 24 right after training");
    }

    @Test
    void inputOfTheWrongShapeIsNamed() {
        NativeTrainer t = NativeTrainer.forGraph(Architectures.cvStudent(1, 28, 28, 10, C));
        CompressionException e = assertThrows(CompressionException.class,
                () -> t.fit(new MultiDataSet(Nd4j.rand(DataType.FLOAT, 4, 3, 28, 28), labels(4, 10))));
        assertTrue(e.getMessage().contains("conv1") && e.getMessage().contains("[3, 28, 28]"), e.getMessage());
        CompressionException e2 = assertThrows(CompressionException.class,
                () -> t.fit(new MultiDataSet(Nd4j.rand(DataType.FLOAT, 4, 1, 20, 20), labels(4, 10))));
        assertTrue(e2.getMessage().contains("fc"), e2.getMessage());
    }

    @Test
    void unsupportedNetworksAreNamedAndLeftToDl4j() {
        ComputationGraph res = SearchNets.cv(SearchNets.parseCv("cvnet:c=8,b=1,k=3,t=res,bn=0,h=8"), 1, 8, 8, 2, C);
        CompressionException e = assertThrows(CompressionException.class, () -> OneDnnTrainer.create(res));
        assertTrue(e.getMessage().contains("chain"), e.getMessage());
        assertNull(NativeTrainer.forGraph(res));
        ComputationGraph text = Architectures.nlpBiLstm(org.jvmcompress.core.task.ArchSpec.parse("nlp-teacher,width=0.25"),
                50, 10, 2, C);
        assertNull(NativeTrainer.forGraph(text));
        assertTrue(NativeTrainer.forGraph(Architectures.nlpStudent(50, 10, 2, C)) instanceof BagTrainer);
        assertNotNull(NativeTrainer.forGraph(Architectures.cvStudent(1, 28, 28, 10, C)));
        System.setProperty(NativeTrainer.PROPERTY, "dl4j");
        try {
            assertNull(NativeTrainer.forGraph(Architectures.cvStudent(1, 28, 28, 10, C)));
            System.setProperty(NativeTrainer.PROPERTY, "fast");
            assertThrows(CompressionException.class, () -> NativeTrainer.forGraph(res));
        } finally {
            System.clearProperty(NativeTrainer.PROPERTY);
        }
    }
}
