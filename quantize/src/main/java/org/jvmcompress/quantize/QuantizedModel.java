package org.jvmcompress.quantize;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A quantised network: the float graph's configuration (batch norm folded), every parameter as stored
 * ({@link StoredTensor}), the activation ranges of the quantised layers' inputs, and the settings that made it.
 */
public record QuantizedModel(ComputationGraphConfiguration conf, Map<String, Map<String, StoredTensor>> params,
                             Map<String, FakeQuant> activations, Map<String, Object> settings) {
    /** The mode that made it ("int8-per-channel", "fp16", ...). */
    public String mode() {
        return String.valueOf(settings.get("mode"));
    }

    /**
     * A DL4J network that computes what the quantised model computes: dequantised weights, and a
     * {@link FakeQuant} before every layer whose input is quantised (the dequantising runtime).
     */
    public ComputationGraph toGraph() {
        ComputationGraph g = new ComputationGraph(conf.clone());
        g.init();
        for (Map.Entry<String, Map<String, StoredTensor>> l : params.entrySet()) {
            Map<String, INDArray> table = g.getLayer(l.getKey()).paramTable();
            for (Map.Entry<String, StoredTensor> p : l.getValue().entrySet()) {
                INDArray target = table.get(p.getKey());
                if (target == null) {
                    throw new org.jvmcompress.core.CompressionException("quantised file has parameter " + p.getKey()
                            + " of layer " + l.getKey() + " that its configuration does not have");
                }
                target.assign(Nd4j.create(p.getValue().values(), target.shape(), 'c').castTo(target.dataType()));
            }
        }
        return activations.isEmpty() ? g : GraphSurgery.withFakeQuant(g, activations, Map.of());
    }

    /** An integer runtime of this model: what runs a batch, and its name. */
    public record IntegerRuntime(java.util.function.UnaryOperator<org.nd4j.linalg.api.ndarray.INDArray> run,
                                 String name) {}

    /**
     * The integer runtime for this model: oneDNN's when it supports the model (int8 modes of convolutional networks),
     * else the Java one for embedding-bag text models ({@link EmbeddingBagRuntime}); an error saying why neither runs
     * it otherwise.
     */
    public IntegerRuntime integerRuntime() {
        if (activations.isEmpty()) {
            throw new org.jvmcompress.core.CompressionException("integer runtime: the activations are not quantised");
        }
        String why = "";
        if (Int8Runtime.available()) {
            try {
                return new IntegerRuntime(Int8Runtime.compile(this)::output,
                        "oneDNN int8 (u8 activations x s8 weights, s32 accumulation)");
            } catch (org.jvmcompress.core.CompressionException e) {
                why = e.getMessage() + "; ";
            }
        }
        try {
            return new IntegerRuntime(EmbeddingBagRuntime.compile(this)::output, EmbeddingBagRuntime.NAME);
        } catch (org.jvmcompress.core.CompressionException e) {
            throw new org.jvmcompress.core.CompressionException(why + e.getMessage());
        }
    }

    /** This model ready to run: on its {@link #integerRuntime()}, else with the dequantising runtime ({@link #toGraph()}). */
    public org.jvmcompress.core.model.LoadedModel load(java.nio.file.Path file,
                                                       org.jvmcompress.core.model.ModelInfo info) {
        ComputationGraph g = toGraph();
        if (!activations.isEmpty()) {
            try {
                IntegerRuntime rt = integerRuntime();
                return new org.jvmcompress.core.model.LoadedModel(g, info, file, "jcq", rt.run(), rt.name());
            } catch (org.jvmcompress.core.CompressionException e) {
                org.slf4j.LoggerFactory.getLogger(QuantizedModel.class).info("{}; using the dequantising runtime",
                        e.getMessage());
            }
        }
        return new org.jvmcompress.core.model.LoadedModel(g, info, file, "jcq", null,
                activations.isEmpty() ? "dequantising (DL4J float)" : "dequantising (DL4J float, fake-quantised activations)");
    }

    /** The number of bytes the parameters take (codes and values, without scales). */
    public long parameterBytes() {
        long n = 0;
        for (Map<String, StoredTensor> l : params.values()) {
            for (StoredTensor t : l.values()) {
                n += t.bytes().length;
            }
        }
        return n;
    }

    /** The storage type of every parameter, by layer. */
    public Map<String, Map<String, String>> dtypes() {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        params.forEach((l, ps) -> {
            Map<String, String> m = new LinkedHashMap<>();
            ps.forEach((p, t) -> m.put(p, t.dtype()));
            out.put(l, m);
        });
        return out;
    }
}
