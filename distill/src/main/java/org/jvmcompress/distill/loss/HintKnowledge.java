package org.jvmcompress.distill.loss;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.jvmcompress.core.CompressionException;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * {@code hint} (FitNets, Romero et al. 2015): the student's activation, through a learned adapter (a 1x1 convolution
 * between feature maps of the same height and width, a width-1 convolution between sequences of the same length, that
 * is one projection for every position as TinyBERT's hidden-state and embedding losses (Jiao et al. 2020), else a
 * dense layer), regresses the teacher's; per example the
 * mean squared difference over the values ({@link HintLoss} is the reference in doubles).
 */
public final class HintKnowledge implements KnowledgeKind {
    @Override
    public String name() {
        return "hint";
    }

    @Override
    public Attachment attach(String what, TransferLearning.GraphBuilder b, String prefix, String from, long[] s,
                             long[] t, IUpdater updater) {
        String adapter = prefix + "_adapter";
        if (s.length == 3 && t.length == 3) {
            if (s[1] != t[1] || s[2] != t[2]) {
                throw new CompressionException("hint " + what + ": student activation " + Arrays.toString(s)
                        + " and teacher activation " + Arrays.toString(t) + " differ in height/width");
            }
            b.addLayer(adapter, new ConvolutionLayer.Builder(1, 1).nIn(s[0]).nOut(t[0])
                    .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY)
                    .weightInit(WeightInit.XAVIER).updater(updater.clone()).build(), from);
            return new Attachment(adapter, t);
        }
        if (s.length == 2 && t.length == 2) {
            // sequences [width, length]: one projection shared by all positions (TinyBERT's W_h)
            if (s[1] != t[1]) {
                throw new CompressionException("hint " + what + ": student sequence " + Arrays.toString(s)
                        + " and teacher sequence " + Arrays.toString(t) + " differ in length");
            }
            b.addLayer(adapter, new Convolution1DLayer.Builder().kernelSize(1).nIn(s[0]).nOut(t[0])
                    .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY)
                    .weightInit(WeightInit.XAVIER).updater(updater.clone()).build(), from);
            return new Attachment(adapter, t);
        }
        b.addLayer(adapter, new DenseLayer.Builder().nIn(KnowledgeKind.values(s)).nOut(KnowledgeKind.values(t))
                .activation(Activation.IDENTITY).weightInit(WeightInit.XAVIER).updater(updater.clone()).build(),
                KnowledgeKind.flattenIfMap(s), from);
        return new Attachment(adapter, new long[] {KnowledgeKind.values(t)});
    }

    /** Student minus teacher, [n, values], on ND4J's arrays (a hint on a feature map is megabytes a batch). */
    private static INDArray difference(INDArray labels, INDArray preOutput) {
        long n = preOutput.size(0);
        if (labels.length() != preOutput.length()) {
            throw new CompressionException("hint: the adapted student activation has " + preOutput.length()
                    / Math.max(1, n) + " values per example, the teacher's " + labels.length() / Math.max(1, labels.size(0)));
        }
        return preOutput.reshape('c', n, preOutput.length() / n)
                .sub(labels.reshape('c', n, labels.length() / n).castTo(preOutput.dataType()));
    }

    @Override
    public double score(INDArray labels, INDArray preOutput, long[] shape) {
        INDArray d = difference(labels, preOutput);
        return d.muli(d).sumNumber().doubleValue() / d.size(1) / Math.max(1, d.size(0));
    }

    @Override
    public INDArray gradient(INDArray labels, INDArray preOutput, long[] shape) {
        INDArray d = difference(labels, preOutput);
        return d.muli(2.0 / d.size(1)); // 2 (s - t) / values
    }
}
