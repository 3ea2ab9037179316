package org.jvmcompress.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jvmcompress.core.SuiteSetup;
import org.junit.jupiter.api.extension.ExtendWith;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.task.ArchSpec;
import org.jvmcompress.core.task.Architectures;
import org.jvmcompress.core.task.SearchNets;
import org.jvmcompress.core.task.TrainConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The oneDNN float runtime gives DL4J's class probabilities on every network shape it claims to run. */
@ExtendWith(SuiteSetup.class)
class FloatRuntimeTest {
    static final TrainConfig C = new TrainConfig("x", 1, 32, 1e-3, 1.0, 1, 0, 0, 0);

    @BeforeAll
    static void init() {
        assertTrue(FloatRuntime.available(), "oneDNN loads: " + FloatRuntime.unavailableReason());
    }

    /** Batch-norm statistics and biases away from their initial values, so that folding them is tested. */
    static ComputationGraph perturbed(ComputationGraph g) {
        Random r = new Random(3);
        for (org.deeplearning4j.nn.api.Layer l : g.getLayers()) {
            for (Map.Entry<String, INDArray> e : l.paramTable().entrySet()) {
                INDArray p = e.getValue();
                switch (e.getKey()) {
                    case "mean", "beta", "b" -> p.assign(Nd4j.randn(DataType.FLOAT, p.shape()).muli(0.3));
                    case "log10stdev" -> p.assign(Nd4j.randn(DataType.FLOAT, p.shape()).muli(0.2));
                    case "gamma" -> p.assign(Nd4j.rand(DataType.FLOAT, p.shape()).addi(0.5));
                    default -> { }
                }
            }
        }
        return g;
    }

    static void same(ComputationGraph g, INDArray x, String expectOps) {
        FloatRuntime rt = FloatRuntime.compile(g);
        assertTrue(rt.toString().contains(expectOps), rt.toString());
        INDArray want = g.outputSingle(false, x);
        for (int rep = 0; rep < 2; rep++) { // the second call reuses the plan for this batch size
            INDArray got = rt.apply(x);
            assertEquals(want.rows(), got.rows());
            double err = Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.reduce.floating.Norm2(
                    got.sub(want))).getDouble(0);
            // Probabilities to float rounding: folding batch norm and oneDNN's summation order differ from DL4J's.
            assertTrue(want.sub(got).amaxNumber().doubleValue() < 1e-3,
                    rt + ": max difference " + want.sub(got).amaxNumber() + " (norm " + err + ")");
        }
        INDArray one = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1));
        assertTrue(g.outputSingle(false, one).sub(rt.apply(one)).amaxNumber().doubleValue() < 1e-3, "batch of 1");
        rt.close(); // frees the plans; a later call builds them again
        assertTrue(want.sub(rt.apply(x)).amaxNumber().doubleValue() < 1e-3, "after close");
    }

    /** Token ids from a fixed seed, so that a failure reproduces whatever ran before in the same JVM. */
    static INDArray tokens(int n, int length, int vocab) {
        Random r = new Random(31L * n + length);
        float[] ids = new float[n * length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(vocab);
        }
        return Nd4j.create(ids, new long[] {n, length}, 'c');
    }

    @Test
    void imageNetworks() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 1, 28, 28);
        same(perturbed(Architectures.cvTeacher(1, 28, 28, 10, C)), x, "conv x4, pool x2, dense x2");
        same(perturbed(Architectures.cvStudent(1, 28, 28, 10, C)), x, "conv x2, pool x2, dense x2");
        same(perturbed(SearchNets.cv(SearchNets.parseCv("cvnet:c=8-16-24,b=2-1-1,k=5,t=plain,bn=1,h=0"), 1, 28, 28,
                10, C)), x, "conv x4, pool x3, dense");
        same(perturbed(Architectures.cvTeacher(3, 32, 32, 10, C)), Nd4j.rand(DataType.FLOAT, 3, 3, 32, 32), "conv x4");
        // depthwise-separable blocks: depthwise (grouped) then pointwise convolutions, batch norm folded into the latter
        same(perturbed(SearchNets.cv(SearchNets.parseCv("cvnet:c=8-16,b=2-1,k=3,t=sep,bn=1,h=16"), 1, 28, 28, 10, C)),
                x, "conv x5, pool x2, dense x2");
        // residual blocks: the sum (and the ReLU after it) as a oneDNN binary op; 1x1 projections where the width
        // changes; batch norm folded into the convolution of each branch; identity shortcuts read a block's input
        same(perturbed(SearchNets.cv(SearchNets.parseCv("cvnet:c=8-16,b=1-1,k=3,t=res,bn=0,h=16"), 1, 28, 28, 10, C)),
                x, "conv x6, add x2, pool x2, dense x2");
        same(perturbed(SearchNets.cv(SearchNets.parseCv("cvnet:c=8-8,b=2-1,k=3,t=res,bn=1,h=0"), 1, 28, 28, 10, C)),
                x, "conv x7, add x3, pool x2, dense");
    }

    /**
     * Intermediate results by vertex name (feature distillation's teacher targets): the values of DL4J's vertices where
     * an op gives them exactly; a vertex folded into the op after it (a convolution before its batch norm) is named
     * as not given.
     */
    @Test
    void namedActivationsAreDl4jsVertexValues() {
        ComputationGraph g = perturbed(Architectures.cvTeacher(1, 28, 28, 10, C));
        FloatRuntime rt = FloatRuntime.compile(g);
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 1, 28, 28);
        Map<String, INDArray> want = g.feedForward(x, false);
        java.util.List<String> names = java.util.List.of("conv2_relu", "conv4_relu", "pool1", "fc");
        for (int rep = 0; rep < 2; rep++) {
            Map<String, INDArray> got = rt.activations(x, names);
            for (String v : names) {
                assertTrue(java.util.Arrays.equals(want.get(v).shape(), got.get(v).shape()), v);
                double d = want.get(v).sub(got.get(v)).amaxNumber().doubleValue()
                        / Math.max(1e-3, want.get(v).amaxNumber().doubleValue());
                // float rounding relative to the largest value: batch norm folded into the convolution and oneDNN's
                // summation order (which depends on the CPU's instruction set) differ from DL4J's; four layers deep
                // that reaches 1e-4 on some CPUs, so the bound is the one the probabilities above are held to
                assertTrue(d < 1e-3, v + ": relative difference " + d);
            }
            assertTrue(want.get("output").sub(got.get(rt.outputName())).amaxNumber().doubleValue() < 1e-3);
        }
        assertEquals("output", rt.outputName());
        assertEquals(g.numParams(), rt.numParams());
        assertTrue(rt.hasActivation("conv1_relu") && !rt.hasActivation("conv1") && !rt.hasActivation("conv1_bn"));
        CompressionException e = assertThrows(CompressionException.class,
                () -> rt.activations(x, java.util.List.of("conv3_bn")));
        assertTrue(e.getMessage().contains("conv3_bn"), e.getMessage());
        assertTrue(FloatRuntime.compile(Architectures.nlpStudent(300, 40, 2, C)).activations(tokens(2, 40, 300),
                java.util.List.of()).containsKey("output"));
    }

    @Test
    void textNetworks() {
        INDArray x = tokens(4, 40, 300);
        same(perturbed(Architectures.nlpStudent(300, 40, 2, C)), x, "embed, globalpool, dense");
        // a batch large enough to be split across the cores
        same(perturbed(Architectures.nlpStudent(300, 40, 2, C)), tokens(100, 40, 300), "embed, globalpool, dense");
        same(perturbed(Architectures.nlpBiLstm(ArchSpec.parse("nlp-teacher,width=0.25"), 300, 40, 2, C)), x,
                "embed, lstm, globalpool, dense");
        same(perturbed(Architectures.nlpCnn(ArchSpec.parse("nlp-cnn,width=0.25,depth=2"), 300, 40, 2, C)), x,
                "embed, conv x2, globalpool, dense");
        same(perturbed(SearchNets.nlp(SearchNets.parseNlp("nlpnet:e=16,enc=mean,h=8,l=1"), 300, 40, 2, C)), x,
                "embed, globalpool, dense x2");
        // one direction, and LSTMs stacked (the search space's encoders)
        same(perturbed(SearchNets.nlp(SearchNets.parseNlp("nlpnet:e=16,enc=lstm,h=12,l=1"), 300, 40, 2, C)), x,
                "embed, lstm, globalpool, dense");
        same(perturbed(SearchNets.nlp(SearchNets.parseNlp("nlpnet:e=16,enc=lstm,h=12,l=2"), 300, 40, 2, C)), x,
                "embed, lstm x2, globalpool, dense");
        same(perturbed(SearchNets.nlp(SearchNets.parseNlp("nlpnet:e=16,enc=bilstm,h=8,l=2"), 300, 40, 2, C)), x,
                "embed, lstm x2, globalpool, dense");
    }

    @Test
    void namesWhatItCannotRun() {
        ComputationGraphConfiguration.GraphBuilder b = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .graphBuilder().addInputs("input").setInputTypes(org.deeplearning4j.nn.conf.inputs.InputType
                        .convolutional(28, 28, 1));
        b.addLayer("a", new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).nOut(4)
                .activation(org.nd4j.linalg.activations.Activation.RELU).build(), "input");
        b.addLayer("b", new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).nOut(4)
                .activation(org.nd4j.linalg.activations.Activation.RELU).build(), "input");
        b.addVertex("cat", new org.deeplearning4j.nn.conf.graph.MergeVertex(), "a", "b");
        b.addLayer("output", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nOut(10)
                .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build(), "cat");
        ComputationGraph merge = new ComputationGraph(b.setOutputs("output").build());
        merge.init();
        assertNull(FloatRuntime.tryCompile(merge));
        CompressionException e = assertThrows(CompressionException.class, () -> FloatRuntime.compile(merge));
        assertTrue(e.getMessage().contains("layer cat") && e.getMessage().contains("2 inputs"), e.getMessage());
        ComputationGraph attn = SearchNets.nlp(SearchNets.parseNlp("nlpnet:e=16,enc=attn,h=8,l=1"), 300, 40, 2, C);
        e = assertThrows(CompressionException.class, () -> FloatRuntime.compile(attn));
        assertTrue(e.getMessage().contains("SelfAttentionLayer"), e.getMessage());
        assertNotNull(FloatRuntime.tryCompile(Architectures.cvStudent(1, 28, 28, 10, C)));
        FloatRuntime rt = FloatRuntime.compile(Architectures.nlpStudent(300, 40, 2, C));
        e = assertThrows(CompressionException.class, () -> rt.apply(Nd4j.createFromArray(new float[][] {{1, 2, 300}})));
        assertTrue(e.getMessage().contains("outside the vocabulary"), e.getMessage());
    }
}
