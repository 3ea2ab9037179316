package org.jvmcompress.core.model.onnx;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.jvmcompress.core.runtime.NamedActivations;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * An ONNX model imported into SameDiff: class probabilities from its first output (softmax applied when the model
 * gives logits), and any named intermediate result on request.
 */
public final class OnnxModel implements UnaryOperator<INDArray>, NamedActivations {
    private final SameDiff sd;
    private final String input;
    private final String output;
    private final boolean logits;
    private final long params;
    private final Map<String, String> names;

    OnnxModel(SameDiff sd, String input, String output, boolean logits, long params, Map<String, String> names) {
        this.sd = sd;
        this.input = input;
        this.output = output;
        this.logits = logits;
        this.params = params;
        this.names = names;
    }

    /** The SameDiff name of a result named as in the ONNX file (names with ':' are renamed on import). */
    public String sameDiffName(String onnxName) {
        return names.getOrDefault(onnxName, onnxName);
    }

    public boolean givesLogits() {
        return logits;
    }

    @Override
    public synchronized INDArray apply(INDArray x) {
        INDArray y = sd.output(Map.of(input, x.castTo(DataType.FLOAT)), output).get(output);
        return logits ? Transforms.softmax(y, true) : y;
    }

    @Override
    public synchronized Map<String, INDArray> activations(INDArray x, Collection<String> wanted) {
        List<String> sdNames = new ArrayList<>();
        for (String w : wanted) {
            String n = sameDiffName(w);
            if (!sd.hasVariable(n)) {
                throw new org.jvmcompress.core.CompressionException("the ONNX model has no result named '" + w
                        + "'; its results include " + results());
            }
            sdNames.add(n);
        }
        sdNames.add(output);
        Map<String, INDArray> got = sd.output(Map.of(input, x.castTo(DataType.FLOAT)), sdNames.toArray(new String[0]));
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String w : wanted) {
            out.put(w, got.get(sameDiffName(w)));
        }
        INDArray y = got.get(output);
        out.put(outputName(), logits ? Transforms.softmax(y, true) : y);
        return out;
    }

    /** The names of the graph's computed results (for error messages). */
    List<String> results() {
        List<String> r = new ArrayList<>();
        sd.getOps().values().forEach(op -> {
            for (String o : op.getOutputsOfOp()) {
                r.add(o);
            }
        });
        return r.size() > 40 ? r.subList(0, 40) : r;
    }

    @Override
    public String outputName() {
        return "__probabilities__";
    }

    @Override
    public long numParams() {
        return params;
    }
}
