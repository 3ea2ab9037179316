package org.jvmcompress.core.task;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
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
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.jvmcompress.core.CompressionException;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The networks architecture search builds, written as specs that every command takes as an architecture:
 * {@code cvnet:c=16-32,b=1-2,k=3,t=res,bn=1,h=64} (per stage its channels and blocks, then a 2x2 max-pool; kernel
 * size; block type plain | sep (depthwise-separable after the first convolution) | res (two convolutions and a
 * skip); batch norm; the dense head's width, 0 for none) and {@code nlpnet:e=32,enc=cnn,h=64,l=1} (embedding size;
 * encoder mean | cnn | lstm | bilstm | attn; hidden size; layers; optionally {@code k=} the convolution's width,
 * default 5, {@code pool=} max | mean | meanmax over time, default max (mean for the mean and attention encoders), and
 * {@code drop=} the dropout percentage before the output, default 0). The transformer encoder keeps the embedding's
 * width through {@code l} blocks whose feed-forward width is {@code h}, with {@code heads=} attention heads (default 2)
 * and {@code norm=} post | pre layer normalisation (default post), learned positions added before the first block,
 * and mean pooling unless {@code pool=} says otherwise. A spec that cannot make a valid network is
 * refused with the reason before anything is built.
 */
public final class SearchNets {
    public static final String CV = "cvnet:";
    public static final String NLP = "nlpnet:";
    public static final List<String> BLOCKS = List.of("plain", "sep", "res");
    public static final List<String> ENCODERS = List.of("mean", "cnn", "lstm", "bilstm", "attn", "transformer");
    public static final List<String> POOLS = List.of("max", "mean", "meanmax");

    private SearchNets() {}

    /** An image network: per stage channels and blocks. */
    public record CvNet(int[] channels, int[] blocks, int kernel, String block, boolean bn, int head) {
        public CvNet {
            if (channels.length == 0 || channels.length != blocks.length) {
                throw new CompressionException("cvnet: " + channels.length + " stage widths but " + blocks.length
                        + " block counts (one of each per stage)");
            }
            for (int i = 0; i < channels.length; i++) {
                if (channels[i] < 1 || blocks[i] < 1) {
                    throw new CompressionException("cvnet: stage " + (i + 1) + " needs >= 1 channel and block");
                }
            }
            if (kernel < 1 || kernel % 2 == 0) {
                throw new CompressionException("cvnet: kernel size must be odd, got " + kernel);
            }
            if (!BLOCKS.contains(block)) {
                throw new CompressionException("cvnet: block type must be one of " + BLOCKS + ", got " + block);
            }
            if (head < 0) {
                throw new CompressionException("cvnet: head width must be >= 0, got " + head);
            }
        }

        /** The reason this network cannot take images of {@code h x w}, or null. */
        public String invalidFor(long h, long w) {
            long size = Math.min(h, w);
            for (int i = 0; i < channels.length; i++) {
                if (size < kernel) {
                    return "stage " + (i + 1) + " gets " + size + "x" + size + " maps, smaller than its " + kernel + "x"
                            + kernel + " kernel";
                }
                size /= 2;
                if (size < 1) {
                    return channels.length + " stages pool " + h + "x" + w + " images below 1x1";
                }
            }
            return null;
        }

        @Override
        public String toString() {
            return CV + "c=" + join(channels) + ",b=" + join(blocks) + ",k=" + kernel + ",t=" + block + ",bn="
                    + (bn ? 1 : 0) + ",h=" + head;
        }
    }

    /** A text network. */
    public record NlpNet(int embedding, String encoder, int hidden, int layers, int kernel, String pool, int dropPercent,
                         int heads, boolean preNorm) {
        public NlpNet(int embedding, String encoder, int hidden, int layers) {
            this(embedding, encoder, hidden, layers, 5, defaultPool(encoder), 0, 2, false);
        }

        static String defaultPool(String encoder) {
            return encoder.equals("mean") || encoder.equals("attn") || encoder.equals("transformer") ? "mean" : "max";
        }

        public NlpNet {
            if (embedding < 1 || hidden < 1 || layers < 1) {
                throw new CompressionException("nlpnet: embedding, hidden size and layers must be >= 1");
            }
            if (!ENCODERS.contains(encoder)) {
                throw new CompressionException("nlpnet: encoder must be one of " + ENCODERS + ", got " + encoder);
            }
            if (encoder.equals("mean") && layers > 1) {
                throw new CompressionException("nlpnet: the mean encoder has no layers to stack (l=1)");
            }
            if (encoder.equals("attn") && hidden % 2 != 0) {
                throw new CompressionException("nlpnet: attention needs an even hidden size (2 heads), got " + hidden);
            }
            if (kernel < 1) {
                throw new CompressionException("nlpnet: the convolution width k must be >= 1, got " + kernel);
            }
            if (kernel != 5 && !encoder.equals("cnn")) {
                throw new CompressionException("nlpnet: k= applies to the cnn encoder only, not " + encoder);
            }
            if (!POOLS.contains(pool)) {
                throw new CompressionException("nlpnet: pool must be one of " + POOLS + ", got " + pool);
            }
            if (heads < 1 || (heads != 2 || preNorm) && !encoder.equals("transformer")) {
                throw new CompressionException("nlpnet: heads= and norm= apply to the transformer encoder only");
            }
            if (encoder.equals("transformer") && embedding % heads != 0) {
                throw new CompressionException("nlpnet: the transformer's width e=" + embedding + " is not a multiple"
                        + " of its " + heads + " heads");
            }
            if (dropPercent < 0 || dropPercent > 90) {
                throw new CompressionException("nlpnet: drop is a percentage from 0 to 90, got " + dropPercent);
            }
        }

        @Override
        public String toString() {
            // optional fields only when set, so that every spec written before they existed reads back the same
            return NLP + "e=" + embedding + ",enc=" + encoder + ",h=" + hidden + ",l=" + layers
                    + (kernel != 5 ? ",k=" + kernel : "") + (!pool.equals(defaultPool(encoder)) ? ",pool=" + pool : "")
                    + (dropPercent != 0 ? ",drop=" + dropPercent : "") + (heads != 2 ? ",heads=" + heads : "")
                    + (preNorm ? ",norm=pre" : "");
        }
    }

    private static String join(int[] v) {
        StringBuilder sb = new StringBuilder();
        for (int x : v) {
            sb.append(sb.length() == 0 ? "" : "-").append(x);
        }
        return sb.toString();
    }

    private static Map<String, String> fields(String spec, String prefix, List<String> keys) {
        return fields(spec, prefix, keys, List.of());
    }

    private static Map<String, String> fields(String spec, String prefix, List<String> keys, List<String> optional) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : spec.substring(prefix.length()).split(",")) {
            String[] p = kv.split("=", 2);
            if (p.length != 2 || !keys.contains(p[0].trim()) && !optional.contains(p[0].trim())) {
                List<String> all = new ArrayList<>(keys);
                all.addAll(optional);
                throw new CompressionException("bad " + prefix + " spec part '" + kv + "' in " + spec + "; keys: " + all);
            }
            m.put(p[0].trim(), p[1].trim());
        }
        for (String k : keys) {
            if (!m.containsKey(k)) {
                throw new CompressionException(prefix + " spec " + spec + " lacks " + k + "=");
            }
        }
        return m;
    }

    private static int[] ints(String s, String spec) {
        try {
            return Arrays.stream(s.split("-")).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new CompressionException("not a number list in " + spec + ": " + s);
        }
    }

    private static int num(String s, String spec) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new CompressionException("not a number in " + spec + ": " + s);
        }
    }

    public static CvNet parseCv(String spec) {
        Map<String, String> f = fields(spec, CV, List.of("c", "b", "k", "t", "bn", "h"));
        return new CvNet(ints(f.get("c"), spec), ints(f.get("b"), spec), num(f.get("k"), spec), f.get("t"),
                num(f.get("bn"), spec) == 1, num(f.get("h"), spec));
    }

    public static NlpNet parseNlp(String spec) {
        Map<String, String> f = fields(spec, NLP, List.of("e", "enc", "h", "l"),
                List.of("k", "pool", "drop", "heads", "norm"));
        String norm = f.getOrDefault("norm", "post").toLowerCase(Locale.ROOT);
        if (!norm.equals("post") && !norm.equals("pre")) {
            throw new CompressionException("nlpnet: norm must be post or pre, got " + norm);
        }
        String enc = f.get("enc").toLowerCase(Locale.ROOT);
        return new NlpNet(num(f.get("e"), spec), enc, num(f.get("h"), spec), num(f.get("l"), spec),
                f.containsKey("k") ? num(f.get("k"), spec) : 5,
                f.getOrDefault("pool", NlpNet.defaultPool(enc)).toLowerCase(Locale.ROOT),
                f.containsKey("drop") ? num(f.get("drop"), spec) : 0,
                f.containsKey("heads") ? num(f.get("heads"), spec) : 2, norm.equals("pre"));
    }

    /** Builds an image network; layers conv{i}[_bn|_relu], res{i}_add, pool{s}, fc, output. */
    public static ComputationGraph cv(CvNet n, int channels, int height, int width, int classes, TrainConfig c) {
        String why = n.invalidFor(height, width);
        if (why != null) {
            throw new CompressionException("architecture " + n + " is invalid for " + height + "x" + width
                    + " images: " + why);
        }
        ComputationGraphConfiguration.GraphBuilder g = Architectures.base(c);
        String prev = "input";
        int i = 0;
        int inCh = channels;
        for (int s = 0; s < n.channels().length; s++) {
            for (int b = 0; b < n.blocks()[s]; b++) {
                int out = n.channels()[s];
                if (n.block().equals("res")) {
                    String skip = prev;
                    if (inCh != out) {
                        skip = "proj" + (i + 1);
                        g.addLayer(skip, new ConvolutionLayer.Builder(1, 1).nOut(out).activation(Activation.IDENTITY)
                                .convolutionMode(ConvolutionMode.Same).build(), prev);
                    }
                    String a = conv(g, ++i, prev, out, n, true, false);
                    String bOut = conv(g, ++i, a, out, n, false, false);
                    String add = "res" + i + "_add";
                    g.addVertex(add, new ElementWiseVertex(ElementWiseVertex.Op.Add), bOut, skip);
                    g.addLayer(add + "_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), add);
                    prev = add + "_relu";
                } else {
                    boolean separable = n.block().equals("sep") && i > 0; // the first convolution stays plain
                    prev = conv(g, ++i, prev, out, n, true, separable);
                }
                inCh = out;
            }
            String p = "pool" + (s + 1);
            g.addLayer(p, new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), prev);
            prev = p;
        }
        if (n.head() > 0) {
            g.addLayer("fc", new DenseLayer.Builder().nOut(n.head()).activation(Activation.RELU).build(), prev);
            prev = "fc";
        }
        g.addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), prev);
        g.setOutputs("output").setInputTypes(InputType.convolutional(height, width, channels));
        return Architectures.init(g.build());
    }

    /** One convolution (+ batch norm) with or without its ReLU; returns the name of its last vertex. */
    private static String conv(ComputationGraphConfiguration.GraphBuilder g, int i, String in, int out, CvNet n,
                               boolean relu, boolean separable) {
        String name = "conv" + i;
        Activation act = !relu || n.bn() ? Activation.IDENTITY : Activation.RELU;
        Architectures.conv(g, name, n.kernel(), out, act, separable, in);
        String last = name;
        if (n.bn()) {
            g.addLayer(name + "_bn", new BatchNormalization.Builder().build(), last);
            last = name + "_bn";
            if (relu) {
                g.addLayer(name + "_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), last);
                last = name + "_relu";
            }
        }
        return last;
    }

    /** Builds a text network; layers embedding, enc{i}, pool, output. */
    public static ComputationGraph nlp(NlpNet n, int vocab, int length, int classes, TrainConfig c) {
        return nlp(n, vocab, length, classes, c, LossFunctions.LossFunction.MCXENT, Activation.SOFTMAX);
    }

    /** The same network with another head: {@code outputs} units of {@code activation} trained on {@code loss}. */
    public static ComputationGraph nlp(NlpNet n, int vocab, int length, int outputs, TrainConfig c,
                                       LossFunctions.LossFunction loss, Activation activation) {
        int classes = outputs;
        ComputationGraphConfiguration.GraphBuilder g = Architectures.base(c);
        g.addLayer("embedding", new EmbeddingSequenceLayer.Builder().nIn(vocab).nOut(n.embedding()).inputLength(length)
                .outputDataFormat(RNNFormat.NCW).weightInit(WeightInit.XAVIER).build(), "input");
        String prev = "embedding";
        int nIn = n.embedding();
        List<String> layers = new ArrayList<>();
        for (int l = 1; l <= (n.encoder().equals("mean") ? 0 : n.layers()); l++) {
            String name = "enc" + l;
            switch (n.encoder()) {
                case "cnn" -> g.addLayer(name, new Convolution1DLayer.Builder().kernelSize(n.kernel()).nIn(nIn).nOut(n.hidden())
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).build(), prev);
                case "lstm" -> g.addLayer(name, new LSTM.Builder().nIn(nIn).nOut(n.hidden())
                        .activation(Activation.TANH).dataFormat(RNNFormat.NCW).build(), prev);
                case "bilstm" -> g.addLayer(name, new Bidirectional(Bidirectional.Mode.CONCAT, new LSTM.Builder()
                        .nIn(nIn).nOut(n.hidden()).activation(Activation.TANH).dataFormat(RNNFormat.NCW).build()), prev);
                case "attn" -> {
                    g.addLayer(name, new SelfAttentionLayer.Builder().nIn(nIn).nOut(n.hidden()).nHeads(2)
                            .projectInput(true).build(), prev);
                }
                case "transformer" -> g.addLayer(name, new org.jvmcompress.core.layers.TransformerBlock(nIn, n.heads(),
                        n.hidden(), n.preNorm(), l == 1, length), prev);
                default -> throw new IllegalStateException(n.encoder());
            }
            layers.add(name);
            prev = name;
            nIn = n.encoder().equals("bilstm") ? 2 * n.hidden() : n.encoder().equals("transformer") ? nIn : n.hidden();
        }
        if (n.pool().equals("meanmax")) {
            // both summaries of the sequence: max finds the strongest phrase, mean weighs how often each occurs
            g.addLayer("pool_max", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), prev);
            g.addLayer("pool_mean", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), prev);
            g.addVertex("pool", new MergeVertex(), "pool_max", "pool_mean");
            nIn *= 2;
        } else {
            g.addLayer("pool", new GlobalPoolingLayer.Builder(n.pool().equals("max") ? PoolingType.MAX : PoolingType.AVG)
                    .build(), prev);
        }
        prev = "pool";
        if (n.encoder().equals("mean")) {
            g.addLayer("fc", new DenseLayer.Builder().nIn(nIn).nOut(n.hidden()).activation(Activation.RELU).build(), prev);
            prev = "fc";
            nIn = n.hidden();
        }
        OutputLayer.Builder out = new OutputLayer.Builder(loss).nIn(nIn).nOut(classes)
                .activation(activation).weightInit(WeightInit.XAVIER);
        if (n.dropPercent() > 0) {
            out.dropOut(new Dropout(1 - n.dropPercent() / 100.0)); // DL4J takes the retain probability
        }
        g.addLayer("output", out.build(), prev);
        g.setOutputs("output");
        return Architectures.init(g.build());
    }
}
