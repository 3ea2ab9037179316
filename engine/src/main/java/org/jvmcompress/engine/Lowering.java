package org.jvmcompress.engine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * The one lowering of a DL4J network's configuration to the engine's ops, which float inference
 * ({@link FloatRuntime}), int8 inference (quantize's {@code Int8Runtime}) and training ({@link OneDnnTrainer}) all
 * read: each vertex, in an order where it comes after its inputs, as a typed node with its geometry and activation.
 * Everything no runtime runs (channels-last data, dilation, an activation other than ReLU or identity, an input
 * preprocessor other than NCHW flattening...) is an {@link Unsupported} node naming why, and layers the engine has no
 * op for are {@link Other}; nothing throws. Each runtime then takes the nodes it runs and binds their parameters its
 * own way (folded floats, stored int8 codes, DL4J's live parameter and gradient views).
 */
public final class Lowering {
    private Lowering() {}

    /** A vertex of the network as the engine sees it. */
    public sealed interface Node permits Conv, Pool, GlobalPool, BatchNorm, Relu, Identity, Dense, Embed, Lstm, Add,
            Loss, Other, Unsupported {
        String name();

        List<String> inputs();
    }

    /**
     * A convolution: 2-D ({@code kh} x {@code kw}), depthwise ({@code multiplier} > 0: each input channel gets
     * {@code multiplier} outputs) or 1-D over time ({@code oneD}: kernel {@code kh} = k, {@code kw} = 1).
     */
    public record Conv(String name, List<String> inputs, int in, int out, int kh, int kw, int sh, int sw,
                       ConvolutionMode mode, int[] pad, int multiplier, boolean oneD, boolean relu, boolean hasBias)
            implements Node {}

    public record Pool(String name, List<String> inputs, boolean max, boolean includePad, int kh, int kw, int sh,
                       int sw, ConvolutionMode mode, int[] pad) implements Node {}

    /** Max or average over the spatial positions or time steps. */
    public record GlobalPool(String name, List<String> inputs, boolean max) implements Node {}

    public record BatchNorm(String name, List<String> inputs, double eps, double decay, boolean logStd,
                            boolean lockGammaBeta, double gamma, double beta) implements Node {}

    public record Relu(String name, List<String> inputs) implements Node {}

    /** A vertex whose value is its input's at inference: an identity activation layer or a dropout layer. */
    public record Identity(String name, List<String> inputs, String layerType) implements Node {}

    /**
     * A dense layer, or the softmax output layer ({@code output}); {@code retain}: dropout on its input, the
     * probability of keeping a unit (1: none); {@code flattens}: it reads a feature map through DL4J's NCHW flattening.
     */
    public record Dense(String name, List<String> inputs, long in, int out, boolean relu, boolean output,
                        IActivation activation, double retain, boolean hasBias, boolean flattens) implements Node {}

    /** A token embedding; {@code length}: the sequence length it was configured for (0: any). */
    public record Embed(String name, List<String> inputs, int vocab, int dim, boolean hasBias, int length)
            implements Node {}

    /** An LSTM, alone or as both directions of a bidirectional wrapper (outputs concatenated). */
    public record Lstm(String name, List<String> inputs, LSTM layer, boolean bidirectional) implements Node {}

    /** The sum of two vertices (a residual connection). */
    public record Add(String name, List<String> inputs) implements Node {}

    /** A loss layer with identity activation on an inner layer (an extra output of feature distillation). */
    public record Loss(String name, List<String> inputs, ILossFunction loss, boolean flattens) implements Node {}

    /** A vertex the engine has no op for ({@code what}: "layer type X", "a non-layer vertex", ...). */
    public record Other(String name, List<String> inputs, String what) implements Node {}

    /** A vertex of a kind the engine runs, configured in a way it does not ({@code why}). */
    public record Unsupported(String name, List<String> inputs, String why) implements Node {}

    /**
     * The lowered network. {@code trainingOnly}: what only a trainer must refuse, by vertex (dropout other than on a
     * dense layer's input, weight noise): inference ignores both.
     */
    public record Lowered(List<String> inputs, List<String> outputs, List<Node> nodes, Map<String, Node> byName,
                          Map<String, Integer> readers, Map<String, String> trainingOnly) {
        /** The first node that is {@link Unsupported}, or null. */
        public Unsupported firstUnsupported() {
            for (Node n : nodes) {
                if (n instanceof Unsupported u) {
                    return u;
                }
            }
            return null;
        }
    }

    public static Lowered lower(ComputationGraphConfiguration c) {
        List<Node> nodes = new ArrayList<>();
        Map<String, Node> byName = new LinkedHashMap<>();
        Map<String, Integer> readers = new LinkedHashMap<>();
        c.getVertexInputs().values().forEach(l -> l.forEach(v -> readers.merge(v, 1, Integer::sum)));
        Map<String, String> trainingOnly = new LinkedHashMap<>();
        for (String name : topological(c)) {
            List<String> ins = List.copyOf(c.getVertexInputs().get(name));
            Node n = node(name, ins, c.getVertices().get(name), trainingOnly);
            nodes.add(n);
            byName.put(name, n);
        }
        return new Lowered(List.copyOf(c.getNetworkInputs()), List.copyOf(c.getNetworkOutputs()), List.copyOf(nodes),
                byName, readers, trainingOnly);
    }

    private static Node node(String name, List<String> ins, GraphVertex v, Map<String, String> trainingOnly) {
        if (v instanceof ElementWiseVertex ew && ew.getOp() == ElementWiseVertex.Op.Add && ins.size() == 2) {
            return new Add(name, ins);
        }
        if (ins.size() != 1) {
            return new Other(name, ins, "a vertex with " + ins.size() + " inputs");
        }
        if (!(v instanceof LayerVertex lv)) {
            return new Other(name, ins, "a non-layer vertex");
        }
        Layer l = lv.getLayerConf().getLayer();
        InputPreProcessor pre = lv.getPreProcessor();
        boolean flattens = pre instanceof CnnToFeedForwardPreProcessor cf && cf.getFormat() == CNN2DFormat.NCHW;
        if (pre != null && !flattens) {
            return new Unsupported(name, ins, "input preprocessor " + pre.getClass().getSimpleName());
        }
        IDropout drop = l.getIDropout();
        boolean denseLike = l instanceof DenseLayer || l instanceof OutputLayer;
        if (drop != null && !(denseLike && drop instanceof Dropout d && d.getPSchedule() == null && d.getP() > 0)) {
            trainingOnly.put(name, "dropout " + drop);
        }
        if (l instanceof BaseLayer bl && bl.getWeightNoise() != null) {
            trainingOnly.put(name, "weight noise");
        }
        try {
            return layer(name, ins, l, flattens, drop);
        } catch (Refused r) {
            return new Unsupported(name, ins, r.getMessage());
        }
    }

    /** A configuration the engine does not run, named; caught into an {@link Unsupported} node. */
    private static final class Refused extends RuntimeException {
        Refused(String why) {
            super(why, null, false, false);
        }
    }

    private static Node layer(String name, List<String> ins, Layer l, boolean flattens, IDropout drop) {
        if (l instanceof Convolution1DLayer conv) {
            if (conv.getStride()[0] != 1 || conv.getDilation()[0] != 1) {
                throw new Refused("strided or dilated 1-D convolution");
            }
            int k = conv.getKernelSize()[0];
            return new Conv(name, ins, (int) conv.getNIn(), (int) conv.getNOut(), k, 1, 1, 1,
                    conv.getConvolutionMode(), new int[] {conv.getPadding()[0], 0}, 0, true,
                    relu(conv.getActivationFn()), conv.hasBias());
        }
        if (l instanceof ConvolutionLayer conv && conv.getClass() == ConvolutionLayer.class) {
            nchw(conv.getCnn2dDataFormat());
            if (conv.getDilation()[0] != 1 || conv.getDilation()[1] != 1) {
                throw new Refused("dilated convolution");
            }
            return new Conv(name, ins, (int) conv.getNIn(), (int) conv.getNOut(), conv.getKernelSize()[0],
                    conv.getKernelSize()[1], conv.getStride()[0], conv.getStride()[1], conv.getConvolutionMode(),
                    conv.getPadding(), 0, false, relu(conv.getActivationFn()), conv.hasBias());
        }
        if (l instanceof DepthwiseConvolution2D dw && dw.getClass() == DepthwiseConvolution2D.class) {
            nchw(dw.getCnn2dDataFormat());
            if (dw.getDilation()[0] != 1 || dw.getDilation()[1] != 1) {
                throw new Refused("dilated convolution");
            }
            return new Conv(name, ins, (int) dw.getNIn(), (int) (dw.getNIn() * dw.getDepthMultiplier()),
                    dw.getKernelSize()[0], dw.getKernelSize()[1], dw.getStride()[0], dw.getStride()[1],
                    dw.getConvolutionMode(), dw.getPadding(), dw.getDepthMultiplier(), false,
                    relu(dw.getActivationFn()), dw.hasBias());
        }
        if (l instanceof SubsamplingLayer sp && sp.getClass() == SubsamplingLayer.class
                && (sp.getPoolingType() == PoolingType.MAX || sp.getPoolingType() == PoolingType.AVG)) {
            nchw(sp.getCnn2dDataFormat());
            if (sp.getDilation()[0] != 1 || sp.getDilation()[1] != 1) {
                throw new Refused("dilated pooling");
            }
            return new Pool(name, ins, sp.getPoolingType() == PoolingType.MAX, sp.isAvgPoolIncludePadInDivisor(),
                    sp.getKernelSize()[0], sp.getKernelSize()[1], sp.getStride()[0], sp.getStride()[1],
                    sp.getConvolutionMode(), sp.getPadding());
        }
        if (l instanceof GlobalPoolingLayer gp
                && (gp.getPoolingType() == PoolingType.MAX || gp.getPoolingType() == PoolingType.AVG)) {
            int[] dims = gp.getPoolingDimensions();
            if (!gp.isCollapseDimensions() || dims != null && !java.util.Arrays.equals(dims, new int[] {2})
                    && !java.util.Arrays.equals(dims, new int[] {2, 3})) {
                throw new Refused("global pooling over dimensions " + java.util.Arrays.toString(dims)
                        + (gp.isCollapseDimensions() ? "" : " without collapsing them"));
            }
            return new GlobalPool(name, ins, gp.getPoolingType() == PoolingType.MAX);
        }
        if (l instanceof BatchNormalization bn) {
            nchw(bn.getCnn2DFormat());
            return new BatchNorm(name, ins, bn.getEps(), bn.getDecay(), bn.isUseLogStd(), bn.isLockGammaBeta(),
                    bn.getGamma(), bn.getBeta());
        }
        if (l instanceof ActivationLayer a) {
            return relu(a.getActivationFn()) ? new Relu(name, ins) : new Identity(name, ins, "ActivationLayer");
        }
        if (l instanceof DropoutLayer) {
            return new Identity(name, ins, "DropoutLayer");
        }
        if (l instanceof EmbeddingSequenceLayer e && e.getClass() == EmbeddingSequenceLayer.class) {
            if (relu(e.getActivationFn())) {
                throw new Refused("an embedding with activation " + e.getActivationFn());
            }
            return new Embed(name, ins, (int) e.getNIn(), (int) e.getNOut(), e.hasBias(),
                    e.isInferInputLength() ? 0 : e.getInputLength());
        }
        if (l instanceof Bidirectional bi && bi.getMode() == Bidirectional.Mode.CONCAT && bi.getFwd() instanceof LSTM f) {
            return new Lstm(name, ins, lstm(f), true);
        }
        if (l instanceof LSTM f) {
            return new Lstm(name, ins, lstm(f), false);
        }
        if (l instanceof DenseLayer || l instanceof OutputLayer) {
            if (l instanceof DenseLayer dl && dl.hasLayerNorm()) {
                throw new Refused("layer normalisation");
            }
            IActivation fn = ((BaseLayer) l).getActivationFn();
            boolean out = l instanceof OutputLayer;
            if (out && !(fn instanceof ActivationSoftmax)) {
                throw new Refused("an output layer without softmax");
            }
            long nIn = ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) l).getNIn();
            boolean bias = l instanceof DenseLayer dl ? dl.hasBias() : ((OutputLayer) l).hasBias();
            double retain = drop instanceof Dropout d && d.getPSchedule() == null && d.getP() > 0 ? d.getP() : 1;
            return new Dense(name, ins, nIn, (int) ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) l).getNOut(),
                    !out && relu(fn), out, fn, retain, bias, flattens);
        }
        if (l != null && l.getClass() == LossLayer.class) {
            LossLayer loss = (LossLayer) l;
            if (!(loss.getActivationFn() instanceof ActivationIdentity) || loss.getIDropout() != null) {
                throw new Refused("a loss layer with an activation or dropout");
            }
            return new Loss(name, ins, loss.getLossFn(), flattens);
        }
        return new Other(name, ins, "layer type " + (l == null ? "none" : l.getClass().getSimpleName()));
    }

    private static LSTM lstm(LSTM f) {
        if (!(f.getGateActivationFn() instanceof ActivationSigmoid) || !(f.getActivationFn() instanceof ActivationTanH)) {
            throw new Refused("an LSTM with gate activation " + f.getGateActivationFn() + " and activation "
                    + f.getActivationFn() + " (sigmoid and tanh run)");
        }
        if (f.getRnnDataFormat() != RNNFormat.NCW) {
            throw new Refused("an LSTM with channels-last data");
        }
        return f;
    }

    private static void nchw(CNN2DFormat format) {
        if (format != CNN2DFormat.NCHW) {
            throw new Refused("channels-last data");
        }
    }

    /** True for ReLU, false for identity (or none); any other activation is refused. */
    private static boolean relu(IActivation fn) {
        if (fn instanceof ActivationReLU) {
            return true;
        }
        if (fn == null || fn instanceof ActivationIdentity) {
            return false;
        }
        throw new Refused("activation " + fn);
    }

    /** The graph's vertices in an order where each comes after its inputs. */
    public static List<String> topological(ComputationGraphConfiguration c) {
        List<String> out = new ArrayList<>();
        Set<String> done = new HashSet<>(c.getNetworkInputs());
        boolean progress = true;
        while (progress) {
            progress = false;
            for (String v : c.getVertices().keySet()) {
                if (!done.contains(v) && done.containsAll(c.getVertexInputs().get(v))) {
                    out.add(v);
                    done.add(v);
                    progress = true;
                }
            }
        }
        return out;
    }
}
