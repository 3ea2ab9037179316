package org.jvmcompress.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jvmcompress.core.SuiteSetup;
import org.junit.jupiter.api.extension.ExtendWith;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.jvmcompress.core.runtime.Engine;
import org.jvmcompress.core.runtime.Engines;
import org.jvmcompress.core.task.Architectures;

/** The engine is found through ServiceLoader and chosen by what it says it can run, per backend and per network. */
@ExtendWith(SuiteSetup.class)
class EngineChoiceTest {
    @Test
    void foundAndAvailableOnTheCpuBackend() {
        List<Engine> all = Engines.all();
        assertEquals(1, all.size());
        assertInstanceOf(OneDnnEngine.class, all.get(0));
        assertNull(all.get(0).unavailableReason(), "oneDNN loads on the CPU backend");
        assertEquals(all, Engines.available());
    }

    @Test
    void eachNetworkGetsARuntimeOrAReason() {
        ComputationGraph cnn = Architectures.cvStudent(1, 28, 28, 10, FloatRuntimeTest.C);
        assertInstanceOf(FloatRuntime.class, Engines.inference(cnn));
        assertNotNull(Engines.trainer(cnn));
        ComputationGraph attention = org.jvmcompress.core.task.SearchNets.nlp(org.jvmcompress.core.task.SearchNets
                .parseNlp("nlpnet:e=16,enc=attn,h=8,l=1"), 300, 40, 2, FloatRuntimeTest.C);
        Engine.Capability<?> attn = new OneDnnEngine().inference(attention);
        assertNull(attn.runtime());
        assertTrue(attn.whyNot().contains("SelfAttentionLayer"), attn.whyNot());
        assertTrue(new OneDnnEngine().inference(channelsLast()).whyNot().contains("channels-last"));
        assertNull(Engines.inference(attention), "DL4J runs what no engine runs");
    }

    @Test
    void dl4jModeLeavesEverythingToDl4j() {
        System.setProperty(FloatRuntime.PROPERTY, "dl4j");
        try {
            assertNull(Engines.inference(Architectures.cvStudent(1, 28, 28, 10, FloatRuntimeTest.C)));
        } finally {
            System.clearProperty(FloatRuntime.PROPERTY);
        }
    }

    /** A convolution on channels-last data: no runtime of the engine runs it, said by the lowering. */
    static ComputationGraph channelsLast() {
        ComputationGraph g = new ComputationGraph(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .graphBuilder().addInputs("in").setInputTypes(org.deeplearning4j.nn.conf.inputs.InputType
                        .convolutional(8, 8, 2, org.deeplearning4j.nn.conf.CNN2DFormat.NHWC))
                .addLayer("conv", new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).nOut(4)
                        .dataFormat(org.deeplearning4j.nn.conf.CNN2DFormat.NHWC).build(), "in")
                .addLayer("out", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nOut(3)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build(), "conv")
                .setOutputs("out").build());
        g.init();
        return g;
    }
}
