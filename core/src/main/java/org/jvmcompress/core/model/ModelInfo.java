package org.jvmcompress.core.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;
import org.jvmcompress.core.CompressionException;

/**
 * The JSON sidecar saved next to every model ({@code model.zip} -> {@code model.json}): what the model is for and
 * how to feed it, and where it came from.
 *
 * @param schema        sidecar format version
 * @param task          task key (cv, nlp) or "custom"
 * @param architecture  architecture key, e.g. "cv-teacher"
 * @param labels        class names, in output order
 * @param inputShape    shape of one example (without the batch dimension), e.g. [1, 28, 28] or [256]
 * @param input         "image" (pixels scaled by {@code preprocessing.scale}) or "tokens" (ids from {@code vocabulary})
 * @param preprocessing how raw data becomes input, e.g. {"scale": 1/255} or {"maxLength": 256, "tokenizer": "words-v1"}
 * @param vocabulary    token list (index = id) for text models, else null
 * @param training      the training configuration and its outcome (epochs, best epoch, validation accuracy)
 * @param seed          the seed of the run
 * @param splitSeed     the seed of the data split the model was trained on (may differ from {@code seed}: a
 *                      student trains with its own seed on its teacher's split); absent in older sidecars, where
 *                      the split seed was {@code seed}
 * @param dataHash      SHA-256 naming the training data and split
 * @param runtime       library versions, backend, Java, machine
 * @param created       ISO-8601 time of saving
 * @param data          where the training data came from (files and hashes, split, classes, encoding); absent in
 *                      sidecars written before it was recorded
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelInfo(int schema, String task, String architecture, List<String> labels, long[] inputShape,
                        String input, Map<String, Object> preprocessing, List<String> vocabulary,
                        Map<String, Object> training, long seed, String dataHash, Map<String, Object> runtime,
                        String created, Long splitSeed, org.jvmcompress.core.data.DataSource data) {
    public static final int SCHEMA = 1;

    public ModelInfo(int schema, String task, String architecture, List<String> labels, long[] inputShape,
                     String input, Map<String, Object> preprocessing, List<String> vocabulary,
                     Map<String, Object> training, long seed, String dataHash, Map<String, Object> runtime,
                     String created, Long splitSeed) {
        this(schema, task, architecture, labels, inputShape, input, preprocessing, vocabulary, training, seed, dataHash,
                runtime, created, splitSeed, null);
    }

    /** Without a split seed of its own: the split seed is {@code seed}. */
    public ModelInfo(int schema, String task, String architecture, List<String> labels, long[] inputShape,
                     String input, Map<String, Object> preprocessing, List<String> vocabulary,
                     Map<String, Object> training, long seed, String dataHash, Map<String, Object> runtime,
                     String created) {
        this(schema, task, architecture, labels, inputShape, input, preprocessing, vocabulary, training, seed, dataHash,
                runtime, created, null);
    }

    /** The seed of the split this model's validation and test data come from. */
    public long split() {
        return splitSeed != null ? splitSeed : seed;
    }

    public ModelInfo {
        if (labels == null || labels.isEmpty()) {
            throw new CompressionException("model sidecar has no labels");
        }
        if (inputShape == null || inputShape.length == 0) {
            throw new CompressionException("model sidecar has no inputShape");
        }
        if (!"image".equals(input) && !"tokens".equals(input)) {
            throw new CompressionException("model sidecar input must be \"image\" or \"tokens\", got " + input);
        }
        if ("tokens".equals(input) && (vocabulary == null || vocabulary.size() < 2)) {
            throw new CompressionException("a text model's sidecar must carry its vocabulary");
        }
    }

    public int numClasses() {
        return labels.size();
    }
}
