package org.jvmcompress.core.data;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * Where a model's data came from, as recorded in its sidecar ({@code "data"}) and in every stage record: a built-in
 * set, or a user's files with their content hashes, the split, the classes in the model's output order and the
 * input encoding. A student, a quantised file and every record made from the model inherit it, so that each later
 * command can find the same data again, or tell when it is given other data.
 *
 * @param kind       {@link #BUILTIN} or {@link #FILES}
 * @param builtin    the built-in set's name ({@code fashion-mnist}, {@code imdb}), else null
 * @param train      the labelled pool that train and validation (and, without {@code test}, the test split) come from
 * @param test       the separate test set, when one was given
 * @param pool       an unlabelled pool a teacher labelled, when one was used
 * @param splitSeed  the seed of the split
 * @param fractions  the split's fractions, e.g. {"train": 0.8, "validation": 0.1, "test": 0.1}
 * @param classes    class names in the model's output order
 * @param encoding   how raw items become inputs: images {channels, height, width, scale, resize, nativeSizes};
 *                   text {tokenizer, maxLength, vocabularySize, vocabularySha256}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record DataSource(String kind, String builtin, Part train, Part test, Part pool, Long splitSeed,
                         Map<String, Double> fractions, List<String> classes, Map<String, Object> encoding) {
    public static final String BUILTIN = "builtin";
    public static final String FILES = "files";

    /**
     * One file or folder: its absolute path, its format (image-folder, idx, csv, jsonl, text-folder, text-lines),
     * the SHA-256 of its content (a folder: one hash over its sorted files' names and bytes) and its item count.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Part(String path, String format, String sha256, Integer items) {
        /** "PATH (csv, sha256 1a2b3c4d5e6f, 1,200 items)". */
        public String describe() {
            return path + " (" + format + ", sha256 " + sha256.substring(0, Math.min(12, sha256.length()))
                    + (items == null ? "" : String.format(java.util.Locale.ROOT, ", %,d items", items)) + ")";
        }
    }

    @JsonIgnore
    public boolean isBuiltin() {
        return BUILTIN.equals(kind);
    }

    /** The same source with an unlabelled pool recorded. */
    public DataSource withPool(Part p) {
        return new DataSource(kind, builtin, train, test, p, splitSeed, fractions, classes, encoding);
    }

    /** One line naming the data, for messages. */
    public String describe() {
        if (isBuiltin()) {
            return "the built-in " + builtin + " data (split seed " + splitSeed + ")";
        }
        StringBuilder sb = new StringBuilder("files");
        if (train != null) {
            sb.append(' ').append(train.describe());
        }
        if (test != null) {
            sb.append(train != null ? ", test " : ": test ").append(test.describe());
        }
        if (pool != null) {
            sb.append(", unlabelled pool ").append(pool.describe());
        }
        return sb.append(" (split seed ").append(splitSeed).append(')').toString();
    }
}
