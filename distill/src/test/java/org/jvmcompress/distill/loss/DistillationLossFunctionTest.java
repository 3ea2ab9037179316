package org.jvmcompress.distill.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jvmcompress.core.SuiteSetup;
import org.junit.jupiter.api.extension.ExtendWith;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.jvmcompress.core.CompressionException;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/** The DL4J adapter: whole-network gradient check, JSON round trip, label layout errors. */
@ExtendWith(SuiteSetup.class)
class DistillationLossFunctionTest {
    static ComputationGraph net(DistillationLossFunction loss) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                .updater(new NoOp()).graphBuilder().addInputs("in")
                .addLayer("h", new DenseLayer.Builder().nIn(6).nOut(5).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder().lossFunction(loss).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "h")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @Test
    void wholeNetworkGradientCheck() {
        Nd4j.getRandom().setSeed(11);
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            checkAll();
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    private void checkAll() {
        for (String name : LogitLosses.names()) {
            ComputationGraph g = net(new DistillationLossFunction(LogitLossTest.configured(name, 3), 2.0, 0.6));
            INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 6).subi(0.5);
            INDArray teacher = Nd4j.randn(DataType.DOUBLE, 4, 3);
            INDArray y = Nd4j.zeros(DataType.DOUBLE, 4, 3);
            for (int i = 0; i < 4; i++) {
                y.putScalar(i, i % 3, 1.0);
            }
            INDArray labels = Nd4j.hstack(teacher, y);
            boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                    .inputs(new INDArray[] {x}).labels(new INDArray[] {labels}).epsilon(1e-6).maxRelError(1e-5)
                    .minAbsoluteError(1e-9).print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
            assertTrue(ok, "gradient check failed for " + name);
        }
    }

    @Test
    void configurationSurvivesJson() {
        ComputationGraph g = net(new DistillationLossFunction("kd-js", 3.0, 0.25));
        DistillationLossFunction f = lossOf(g.getConfiguration().toJson());
        assertEquals("kd-js", f.getLoss());
        assertEquals(3.0, f.getTemperature());
        assertEquals(0.25, f.getAlpha());
        assertEquals("0.25*JS(T=3) + 0.75*CE", f.name());
        String dkd = net(new DistillationLossFunction("dkd", 1.0, 0.7, 2.0)).getConfiguration().toJson();
        assertEquals("0.7*DKD(T=1, beta=2) + 0.3*CE", lossOf(dkd).name());
        // a configuration written before beta existed (a checkpoint of an earlier version) reads the default
        String old = dkd.replaceAll("\"beta\"\\s*:\\s*2\\.0\\s*,?", "");
        assertTrue(!old.contains("\"beta\"") && old.length() < dkd.length(), old);
        assertEquals(DecoupledKdLoss.DEFAULT_BETA, lossOf(old).getBeta());
    }

    private static DistillationLossFunction lossOf(String json) {
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
        OutputLayer out = (OutputLayer) back.getVertices().values().stream()
                .filter(v -> v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv
                        && lv.getLayerConf().getLayer() instanceof OutputLayer)
                .map(v -> ((org.deeplearning4j.nn.conf.graph.LayerVertex) v).getLayerConf().getLayer())
                .findFirst().orElseThrow();
        return (DistillationLossFunction) out.getLossFn();
    }

    @Test
    void labelsOfTheWrongWidthAreNamed() {
        DistillationLossFunction f = new DistillationLossFunction("kd", 4, 0.9);
        INDArray pre = Nd4j.zeros(DataType.FLOAT, 2, 3);
        CompressionException e = assertThrows(CompressionException.class,
                () -> f.computeScore(Nd4j.zeros(DataType.FLOAT, 2, 3), pre, Activation.SOFTMAX.getActivationFunction(), null, true));
        assertTrue(e.getMessage().contains("6 columns for 3 classes"), e.getMessage());
    }
}
