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
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.jvmcompress.core.CompressionException;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The extra-output adapter: a two-output student (class output + knowledge output) passes DL4J's gradient check. */
@ExtendWith(SuiteSetup.class)
class AuxiliaryLossFunctionTest {
    @Test
    void twoOutputStudentGradientCheck() {
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            Nd4j.getRandom().setSeed(21);
            for (String kind : org.jvmcompress.distill.loss.KnowledgeKinds.names()) {
                // "at": the 8 hidden units read as [C=2, H=2, W=2]; the teacher's maps have H*W = 4 values.
                // "token-rel": the same 8 units read as a sequence [C=2, L=4]; the teacher's relations have L*L = 16.
                boolean seq = kind.equals("token-rel");
                AuxiliaryLossFunction aux = seq ? AuxiliaryLossFunction.sequence(kind, 0.5, 2, 4)
                        : new AuxiliaryLossFunction(kind, 0.5, 2, 2, 2);
                ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(2)
                        .dataType(DataType.DOUBLE).updater(new NoOp()).graphBuilder().addInputs("in")
                        .addLayer("h", new DenseLayer.Builder().nIn(5).nOut(8).activation(Activation.TANH).build(), "in")
                        .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
                                .activation(Activation.SOFTMAX).build(), "h")
                        .addLayer("knowledge", new LossLayer.Builder().lossFunction(aux)
                                .activation(Activation.IDENTITY).build(), "h")
                        .setOutputs("out", "knowledge").build());
                g.init();
                INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 5).subi(0.5).muli(2);
                INDArray y = Nd4j.zeros(DataType.DOUBLE, 5, 3);
                for (int i = 0; i < 5; i++) {
                    y.putScalar(i, i % 3, 1.0);
                }
                INDArray teacher = kind.equals("at") ? Nd4j.rand(DataType.DOUBLE, 5, 4)
                        : seq ? KnowledgeKinds.get(kind).target(Nd4j.randn(DataType.DOUBLE, 5, 12), new long[] {3, 4})
                        : Nd4j.randn(DataType.DOUBLE, 5, kind.equals("hint") || kind.equals("adv") ? 8 : 6);
                if (kind.equals("at")) {
                    teacher.diviColumnVector(teacher.norm2(1).reshape(5, 1));
                }
                boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                        .inputs(new INDArray[] {x}).labels(new INDArray[] {y, teacher}).epsilon(1e-6)
                        .maxRelError(1e-4).minAbsoluteError(1e-8).print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
                assertTrue(ok, "gradient check failed for " + kind);
            }
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    /** The hint and attention losses on ND4J's float arrays give the Java reference losses' values and gradients. */
    @Test
    void hintAndAttentionOnArraysMatchTheReferenceLosses() {
        Nd4j.getRandom().setSeed(22);
        INDArray act = Nd4j.rand(DataType.FLOAT, 4, 3 * 5 * 6).subi(0.3);
        INDArray target = Nd4j.rand(DataType.FLOAT, 4, 3 * 5 * 6);
        INDArray maps = Nd4j.rand(DataType.FLOAT, 4, 5 * 6);
        maps.diviColumnVector(maps.norm2(1).reshape(4, 1));
        double[][] a = org.jvmcompress.core.util.Matrices.rows(act);
        AuxiliaryLossFunction hint = new AuxiliaryLossFunction("hint", 0.5, 1, 1, 1);
        AuxiliaryLossFunction at = new AuxiliaryLossFunction("at", 250, 3, 5, 6);
        AttentionTransferLoss ref = new AttentionTransferLoss(3, 5, 6);
        double[][] t = org.jvmcompress.core.util.Matrices.rows(target);
        double[][] m = org.jvmcompress.core.util.Matrices.rows(maps);
        assertEquals(0.5 * HintLoss.score(a, t), hint.computeScore(target, act, null, null, true), 1e-6);
        assertEquals(0.5 * 4 * HintLoss.score(a, t), hint.computeScore(target, act, null, null, false), 1e-5);
        assertEquals(250 * ref.score(a, m), at.computeScore(maps, act, null, null, true), 1e-4);
        double[][] gh = HintLoss.gradient(a, t);
        double[][] ga = ref.gradient(a, m);
        double[][] gotH = org.jvmcompress.core.util.Matrices.rows(hint.computeGradient(target, act, null, null));
        double[][] gotA = org.jvmcompress.core.util.Matrices.rows(at.computeGradient(maps, act, null, null));
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < a[i].length; j++) {
                assertEquals(0.5 * gh[i][j], gotH[i][j], 1e-6);
                assertEquals(250 * ga[i][j], gotA[i][j], 1e-3 * Math.max(1, Math.abs(250 * ga[i][j])));
            }
        }
        CompressionException e = assertThrows(CompressionException.class,
                () -> at.computeScore(Nd4j.rand(DataType.FLOAT, 4, 7), act, null, null, true));
        assertTrue(e.getMessage().contains("same height and width"), e.getMessage());
    }

    @Test
    void configurationSurvivesJsonAndBadKindsAreNamed() {
        AuxiliaryLossFunction aux = new AuxiliaryLossFunction("at", 250, 16, 28, 28);
        assertEquals("250*AT", aux.name());
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().graphBuilder().addInputs("in")
                .addLayer("k", new LossLayer.Builder().lossFunction(aux).activation(Activation.IDENTITY).build(), "in")
                .setOutputs("k").build();
        String json = conf.toJson();
        assertTrue(json.contains("AuxiliaryLossFunction") && json.contains("\"height\" : 28"), json);
        ComputationGraphConfiguration.fromJson(json);
        CompressionException e = assertThrows(CompressionException.class, () -> new AuxiliaryLossFunction("fsp", 1, 1, 1, 1));
        assertTrue(e.getMessage().contains("known: ") && e.getMessage().contains("hint, at, rkd-d, rkd-a, sp"), e.getMessage());
    }
}
