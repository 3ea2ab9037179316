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
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
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

    static ComputationGraphConfiguration.GraphBuilder base(TrainConfig c) {
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

    static ComputationGraph init(ComputationGraphConfiguration conf) {
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /**
     * A convolutional image classifier: stages of 3x3 convolutions (each followed by batch norm and ReLU, or with a
     * ReLU activation when {@code batchNorm} is off) ending in a 2x2 max-pool, then a dense ReLU layer and the output.
     * Layers are named conv1.., conv{i}_bn, conv{i}_relu, pool1.., fc, output.
     */
    public record CvShape(int[] stageWidths, int blocksPerStage, int fc, boolean batchNorm, double outputRetain,
                          boolean separable) {
        /** cv-teacher: [conv3x3 64 + BN + ReLU] x2, maxpool, [conv3x3 128 + BN + ReLU] x2, maxpool, dense 256, dropout 0.3, dense. */
        public static final CvShape TEACHER = new CvShape(new int[] {64, 128}, 2, 256, true, 0.7, false);
        /** cv-student: conv3x3 16 + ReLU, maxpool, conv3x3 32 + ReLU, maxpool, dense 64 ReLU, dense. */
        public static final CvShape STUDENT = new CvShape(new int[] {16, 32}, 1, 64, false, 0, false);

        /** This shape with the spec's width and depth multipliers and block type. */
        public CvShape scaled(ArchSpec s) {
            int[] w = new int[stageWidths.length];
            for (int i = 0; i < w.length; i++) {
                w[i] = s.scale(stageWidths[i], 4);
            }
            return new CvShape(w, s.blocks(blocksPerStage), s.scale(fc, 8), batchNorm, outputRetain,
                    separable || s.separable());
        }
    }

    public static ComputationGraph cvTeacher(int channels, int height, int width, int classes, TrainConfig c) {
        return cv(CvShape.TEACHER, channels, height, width, classes, c);
    }

    public static ComputationGraph cvStudent(int channels, int height, int width, int classes, TrainConfig c) {
        return cv(CvShape.STUDENT, channels, height, width, classes, c);
    }

    public static ComputationGraph cv(CvShape s, int channels, int height, int width, int classes, TrainConfig c) {
        ComputationGraphConfiguration.GraphBuilder g = base(c);
        String prev = "input";
        int i = 0;
        for (int stage = 0; stage < s.stageWidths().length; stage++) {
            for (int b = 0; b < s.blocksPerStage(); b++) {
                i++;
                String n = "conv" + i;
                Activation act = s.batchNorm() ? Activation.IDENTITY : Activation.RELU;
                int nOut = s.stageWidths()[stage];
                conv(g, n, 3, nOut, act, s.separable() && i > 1, prev);
                prev = n;
                if (s.batchNorm()) {
                    g.addLayer(n + "_bn", new BatchNormalization.Builder().build(), n);
                    g.addLayer(n + "_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), n + "_bn");
                    prev = n + "_relu";
                }
            }
            String p = "pool" + (stage + 1);
            g.addLayer(p, new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), prev);
            prev = p;
        }
        // Larger pictures than the 28-32 pixels the shapes were made for get more pooling before the dense layer,
        // down to 8x8 at most, so that its size (and the model's) does not grow with the picture's area.
        int h = height >> s.stageWidths().length;
        int w = width >> s.stageWidths().length;
        for (int extra = s.stageWidths().length + 1; Math.max(h, w) > 8; extra++) {
            String p = "pool" + extra;
            g.addLayer(p, new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), prev);
            prev = p;
            h = Math.max(1, h / 2);
            w = Math.max(1, w / 2);
        }
        g.addLayer("fc", new DenseLayer.Builder().nOut(s.fc()).activation(Activation.RELU).build(), prev);
        OutputLayer.Builder out = new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER);
        if (s.outputRetain() > 0) {
            out.dropOut(new Dropout(s.outputRetain()));
        }
        g.addLayer("output", out.build(), "fc");
        g.setOutputs("output").setInputTypes(InputType.convolutional(height, width, channels));
        return init(g.build());
    }

    /** Embedding 128, bidirectional LSTM 128 per direction, max over time, dense (width scales both; depth stacks). */
    /**
     * A same-padded k x k convolution named {@code name}, or when {@code separable} a depthwise-separable one: a
     * depthwise k x k layer {@code name_dw} (no bias) and the pointwise 1 x 1 convolution {@code name}. The parameters
     * are those of DL4J's SeparableConvolution2D, but both layers run on oneDNN: SeparableConvolution2D trains about
     * 11x slower on this CPU (a cvnet with 18,290 parameters: 196 against 1,817 examples/s).
     */
    static void conv(ComputationGraphConfiguration.GraphBuilder g, String name, int k, int nOut, Activation act,
                     boolean separable, String in) {
        if (separable) {
            g.addLayer(name + "_dw", new DepthwiseConvolution2D.Builder(k, k).depthMultiplier(1).hasBias(false)
                    .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build(), in);
            in = name + "_dw";
            k = 1;
        }
        g.addLayer(name, new ConvolutionLayer.Builder(k, k).nOut(nOut).convolutionMode(ConvolutionMode.Same)
                .activation(act).build(), in);
    }

    public static ComputationGraph nlpBiLstm(int vocab, int length, int classes, TrainConfig c) {
        return nlpBiLstm(ArchSpec.parse("nlp-teacher"), vocab, length, classes, c);
    }

    public static ComputationGraph nlpBiLstm(ArchSpec s, int vocab, int length, int classes, TrainConfig c) {
        noSeparable(s);
        ComputationGraphConfiguration.GraphBuilder g = base(c);
        int emb = s.scale(128, 4);
        int hidden = s.scale(128, 4);
        g.addLayer("embedding", embedding(vocab, emb, length), "input");
        String prev = "embedding";
        int nIn = emb;
        for (int i = 1; i <= s.blocks(1); i++) {
            String n = i == 1 ? "bilstm" : "bilstm" + i;
            g.addLayer(n, new Bidirectional(Bidirectional.Mode.CONCAT, new LSTM.Builder().nIn(nIn).nOut(hidden)
                    .activation(Activation.TANH).weightInit(WeightInit.XAVIER).build()), prev);
            prev = n;
            nIn = 2 * hidden;
        }
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), prev);
        g.addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).nIn(nIn).build(), "pool");
        g.setOutputs("output");
        return init(g.build());
    }

    /** Embedding 128, 1-D convolution (width 5, 256 filters, ReLU), max over time, dropout 0.5, dense. */
    public static ComputationGraph nlpCnn(int vocab, int length, int classes, TrainConfig c) {
        return nlpCnn(ArchSpec.parse("nlp-cnn"), vocab, length, classes, c);
    }

    /** nlp-cnn with width scaling the embedding and the filters, depth stacking convolutions (conv, conv2, ...). */
    public static ComputationGraph nlpCnn(ArchSpec s, int vocab, int length, int classes, TrainConfig c) {
        noSeparable(s);
        ComputationGraphConfiguration.GraphBuilder g = base(c);
        int emb = s.scale(128, 4);
        int filters = s.scale(256, 4);
        g.addLayer("embedding", embedding(vocab, emb, length), "input");
        String prev = "embedding";
        int nIn = emb;
        for (int i = 1; i <= s.blocks(1); i++) {
            String n = i == 1 ? "conv" : "conv" + i;
            g.addLayer(n, new Convolution1DLayer.Builder().kernelSize(5).nIn(nIn).nOut(filters)
                    .convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).build(), prev);
            prev = n;
            nIn = filters;
        }
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), prev);
        g.addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).dropOut(new Dropout(0.5)).nIn(filters)
                .build(), "pool");
        g.setOutputs("output");
        return init(g.build());
    }

    /** Embedding 32, mean over time, dense. */
    public static ComputationGraph nlpStudent(int vocab, int length, int classes, TrainConfig c) {
        return nlpStudent(ArchSpec.parse("nlp-student"), vocab, length, classes, c);
    }

    /** nlp-student with width scaling the embedding (it has no depth to scale). */
    public static ComputationGraph nlpStudent(ArchSpec s, int vocab, int length, int classes, TrainConfig c) {
        noSeparable(s);
        if (s.depth() != 1) {
            throw new org.jvmcompress.core.CompressionException("nlp-student (embedding, mean over time) has no depth"
                    + " to scale; use width, or nlp-cnn with depth");
        }
        ComputationGraphConfiguration.GraphBuilder g = base(c);
        int emb = s.scale(32, 2);
        g.addLayer("embedding", embedding(vocab, emb, length), "input");
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "embedding");
        g.addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(emb).nOut(classes)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "pool");
        g.setOutputs("output");
        return init(g.build());
    }

    private static EmbeddingSequenceLayer embedding(int vocab, int dim, int length) {
        return new EmbeddingSequenceLayer.Builder().nIn(vocab).nOut(dim).inputLength(length)
                .outputDataFormat(RNNFormat.NCW).weightInit(WeightInit.XAVIER).build();
    }

    private static void noSeparable(ArchSpec s) {
        if (s.separable()) {
            throw new org.jvmcompress.core.CompressionException("blocks=separable applies to the image networks only,"
                    + " not " + s.base());
        }
    }
}
