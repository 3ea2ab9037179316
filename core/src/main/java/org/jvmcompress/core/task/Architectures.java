package org.jvmcompress.core.task;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The reference networks of shared/BENCHMARKS.md (identical to the PyTorch peer's), plus a convolutional text
 * teacher. Every network ends in a softmax output layer trained with cross-entropy; its input is named "input"
 * and its output layer "output".
 */
public final class Architectures {
    private Architectures() {}

    private static ComputationGraphConfiguration.GraphBuilder base(TrainConfig c) {
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder()
                .seed(c.seed())
                .updater(new Adam(c.lrDecay() == 1.0 ? new org.nd4j.linalg.schedule.FixedSchedule(c.learningRate())
                        : new org.nd4j.linalg.schedule.ExponentialSchedule(org.nd4j.linalg.schedule.ScheduleType.EPOCH,
                        c.learningRate(), c.lrDecay())))
                .weightInit(WeightInit.RELU)
                .dataType(org.nd4j.linalg.api.buffer.DataType.FLOAT);
        if (c.l2() > 0) {
            b.weightDecay(c.l2());
        }
        return b.graphBuilder().addInputs("input");
    }

    private static ComputationGraph init(ComputationGraphConfiguration conf) {
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /** [conv3x3 64 + BN + ReLU] x2, maxpool, [conv3x3 128 + BN + ReLU] x2, maxpool, dense 256, dropout 0.3, dense. */
    public static ComputationGraph cvTeacher(int channels, int height, int width, int classes, TrainConfig c) {
        ComputationGraphConfiguration.GraphBuilder g = base(c);
        String prev = "input";
        int[] widths = {64, 64, 128, 128};
        for (int i = 0; i < widths.length; i++) {
            String n = "conv" + (i + 1);
            g.addLayer(n, new ConvolutionLayer.Builder(3, 3).nOut(widths[i]).convolutionMode(ConvolutionMode.Same)
                    .activation(Activation.IDENTITY).build(), prev);
            g.addLayer(n + "_bn", new BatchNormalization.Builder().build(), n);
            g.addLayer(n + "_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), n + "_bn");
            prev = n + "_relu";
            if (i % 2 == 1) {
                String p = "pool" + (i / 2 + 1);
                g.addLayer(p, new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), prev);
                prev = p;
            }
        }
        g.addLayer("fc", new DenseLayer.Builder().nOut(256).activation(Activation.RELU).build(), prev);
        g.addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).dropOut(new Dropout(0.7)).build(), "fc");
        g.setOutputs("output").setInputTypes(InputType.convolutional(height, width, channels));
        return init(g.build());
    }

    /** conv3x3 16 + ReLU, maxpool, conv3x3 32 + ReLU, maxpool, dense 64 ReLU, dense. */
    public static ComputationGraph cvStudent(int channels, int height, int width, int classes, TrainConfig c) {
        ComputationGraphConfiguration.GraphBuilder g = base(c);
        g.addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.RELU).build(), "input");
        g.addLayer("pool1", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), "conv1");
        g.addLayer("conv2", new ConvolutionLayer.Builder(3, 3).nOut(32).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.RELU).build(), "pool1");
        g.addLayer("pool2", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), "conv2");
        g.addLayer("fc", new DenseLayer.Builder().nOut(64).activation(Activation.RELU).build(), "pool2");
        g.addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "fc");
        g.setOutputs("output").setInputTypes(InputType.convolutional(height, width, channels));
        return init(g.build());
    }

    /** Embedding 128, bidirectional LSTM 128 per direction, max over time, dense. */
    public static ComputationGraph nlpBiLstm(int vocab, int length, int classes, TrainConfig c) {
        ComputationGraphConfiguration.GraphBuilder g = base(c);
        g.addLayer("embedding", new EmbeddingSequenceLayer.Builder().nIn(vocab).nOut(128).inputLength(length)
                .outputDataFormat(RNNFormat.NCW).weightInit(WeightInit.XAVIER).build(), "input");
        g.addLayer("bilstm", new Bidirectional(Bidirectional.Mode.CONCAT, new LSTM.Builder().nIn(128).nOut(128)
                .activation(Activation.TANH).weightInit(WeightInit.XAVIER).build()), "embedding");
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), "bilstm");
        g.addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).nIn(256).build(), "pool");
        g.setOutputs("output");
        return init(g.build());
    }

    /** Embedding 128, 1-D convolution (width 5, 256 filters, ReLU), max over time, dropout 0.5, dense. */
    public static ComputationGraph nlpCnn(int vocab, int length, int classes, TrainConfig c) {
        ComputationGraphConfiguration.GraphBuilder g = base(c);
        g.addLayer("embedding", new EmbeddingSequenceLayer.Builder().nIn(vocab).nOut(128).inputLength(length)
                .outputDataFormat(RNNFormat.NCW).weightInit(WeightInit.XAVIER).build(), "input");
        g.addLayer("conv", new Convolution1DLayer.Builder().kernelSize(5).nIn(128).nOut(256)
                .convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).build(), "embedding");
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), "conv");
        g.addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).dropOut(new Dropout(0.5)).nIn(256).build(), "pool");
        g.setOutputs("output");
        return init(g.build());
    }

    /** Embedding 32, mean over time, dense. */
    public static ComputationGraph nlpStudent(int vocab, int length, int classes, TrainConfig c) {
        ComputationGraphConfiguration.GraphBuilder g = base(c);
        g.addLayer("embedding", new EmbeddingSequenceLayer.Builder().nIn(vocab).nOut(32).inputLength(length)
                .outputDataFormat(RNNFormat.NCW).weightInit(WeightInit.XAVIER).build(), "input");
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "embedding");
        g.addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(32).nOut(classes)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "pool");
        g.setOutputs("output");
        return init(g.build());
    }
}
