package org.jvmcompress.core.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.task.SearchNets;
import org.jvmcompress.core.task.TrainConfig;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class TransformerBlockTest {
    /** Two blocks (the first with positions), mean over time, softmax; in double precision for the check. */
    private static ComputationGraph net(boolean preNorm) {
        Nd4j.getRandom().setSeed(7);
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.DOUBLE)
                .updater(new NoOp()).graphBuilder().addInputs("in").setInputTypes(InputType.recurrent(8, 5))
                .addLayer("b1", new TransformerBlock(8, 2, 12, preNorm, true, 5), "in")
                .addLayer("b2", new TransformerBlock(8, 2, 12, preNorm, false, 5), "b1")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "b2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build());
        g.init();
        return g;
    }

    private static INDArray labels() {
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 4, 3);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, i % 3, 1);
        }
        return y;
    }

    /**
     * Analytic gradient over central differences of the score, per parameter (all of each array's first 3 entries
     * must agree on one ratio to 1e-4).
     */
    private static Map<String, Double> ratios(ComputationGraph g, INDArray x, INDArray y) {
        g.setInputs(x);
        g.setLabels(y);
        g.computeGradientAndScore();
        Map<String, INDArray> grads = new LinkedHashMap<>();
        g.gradient().gradientForVariable().forEach((k, v) -> grads.put(k, v.dup()));
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : grads.entrySet()) {
            String k = e.getKey();
            INDArray p = g.getLayer(k.substring(0, k.indexOf('_'))).getParam(k.substring(k.indexOf('_') + 1));
            double ratio = Double.NaN;
            for (int i = 0; i < Math.min(3, p.length()); i++) {
                long[] at = org.nd4j.linalg.api.shape.Shape.ind2subC(p, i); // the same element in either array's order
                double v = p.getDouble(at);
                p.putScalar(at, v + 1e-6);
                g.computeGradientAndScore();
                double plus = g.score();
                p.putScalar(at, v - 1e-6);
                g.computeGradientAndScore();
                double minus = g.score();
                p.putScalar(at, v);
                double numeric = (plus - minus) / 2e-6;
                if (Math.abs(numeric) < 1e-7) {
                    continue; // too small to compare
                }
                double r = e.getValue().getDouble(at) / numeric;
                assertTrue(Double.isNaN(ratio) || Math.abs(r / ratio - 1) < 1e-4, k + "[" + i + "]: " + r + " vs " + ratio);
                ratio = r;
            }
            out.put(k, ratio);
        }
        return out;
    }

    /**
     * Finite differences of the score against the gradients, in double precision. DL4J divides by the batch size
     * in its updater (so a plain layer's gradient is 4x the score's derivative here, batch 4), and in M2.1 its SameDiff
     * layers return twice the gradient, its own SelfAttentionLayer included (8x here, and the input gradient they pass
     * down is doubled too, 16x one block further down). A constant factor per array changes nothing under Adam; what
     * is checked is that every parameter of the block has exactly the factor DL4J's own attention layer has.
     */
    @Test
    void gradientsMatchFiniteDifferences() {
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            INDArray x = Nd4j.randn(DataType.DOUBLE, 4, 8, 5);
            ComputationGraph reference = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(7)
                    .dataType(DataType.DOUBLE).updater(new NoOp()).graphBuilder().addInputs("in")
                    .setInputTypes(InputType.recurrent(8, 5))
                    .addLayer("att", new SelfAttentionLayer.Builder().nIn(8).nOut(8).nHeads(2).projectInput(true)
                            .build(), "in")
                    .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "att")
                    .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
                            .activation(Activation.SOFTMAX).build(), "pool")
                    .setOutputs("out").build());
            reference.init();
            Map<String, Double> dl4j = ratios(reference, x, labels());
            assertEquals(4, dl4j.get("out_W"), 1e-3);
            assertEquals(8, dl4j.get("att_Wq"), 1e-3);
            for (boolean pre : new boolean[] {false, true}) {
                ComputationGraph g = net(pre);
                // attention, both norms, the feed-forward network and the positions: 4*8*8 + 2*8*12 + 12 + 8 + 4*8 + 8*5
                assertEquals(4 * 64 + 2 * 96 + 12 + 8 + 32 + 40, g.getLayer("b1").numParams());
                assertEquals(g.getLayer("b1").numParams() - 40, g.getLayer("b2").numParams());
                Map<String, Double> r = ratios(g, x, labels());
                assertEquals(27, r.size());
                r.forEach((k, v) -> assertEquals(k.startsWith("out") ? 4 : k.startsWith("b2") ? 8 : 16, v, 1e-3,
                        (pre ? "pre" : "post") + "-norm " + k));
            }
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    @Test
    void postNormOutputsAreNormalisedAndTheBlockSavesAndLoads() throws Exception {
        ComputationGraph g = net(false);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 4, 8, 5);
        // after a post-norm block every position has mean 0 and variance 1 over the width (gain 1, bias 0 at init)
        INDArray h = g.feedForward(x, false).get("b1");
        assertEquals(0, h.mean(1).amaxNumber().doubleValue(), 1e-9);
        assertEquals(1, h.var(false, 1).meanNumber().doubleValue(), 1e-3);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(g, bytes, false);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), false);
        assertEquals(g.outputSingle(x), back.outputSingle(x));
        assertEquals(g.getConfiguration().toJson(), back.getConfiguration().toJson());
    }

    @Test
    void specsBuildTransformerEncoders() {
        SearchNets.NlpNet n = SearchNets.parseNlp("nlpnet:e=16,enc=transformer,h=32,l=2,heads=4,norm=pre");
        assertEquals("nlpnet:e=16,enc=transformer,h=32,l=2,heads=4,norm=pre", n.toString());
        ComputationGraph g = SearchNets.nlp(n, 50, 7, 2, new TrainConfig("x", 1, 8, 1e-3, 1.0, 1, 0, 0, 0));
        assertTrue(g.getLayer("enc1").conf().getLayer() instanceof TransformerBlock);
        INDArray tokens = Nd4j.createFromArray(new float[][] {{1, 2, 3, 4, 5, 0, 0}, {6, 7, 8, 9, 1, 2, 3}});
        assertEquals(2, g.outputSingle(tokens).size(0));
        g.fit(new INDArray[] {tokens}, new INDArray[] {Nd4j.createFromArray(new float[][] {{1, 0}, {0, 1}})});
        assertThrows(CompressionException.class, () -> SearchNets.parseNlp("nlpnet:e=10,enc=transformer,h=8,l=1,heads=4"));
        assertThrows(CompressionException.class, () -> SearchNets.parseNlp("nlpnet:e=8,enc=cnn,h=8,l=1,heads=4"));
        assertThrows(CompressionException.class, () -> SearchNets.parseNlp("nlpnet:e=8,enc=transformer,h=8,l=1,norm=mid"));
    }
}
