package org.jvmcompress.core.task;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.Batches;
import org.jvmcompress.core.data.DataHome;
import org.jvmcompress.core.data.Imdb;
import org.jvmcompress.core.data.Splits;
import org.jvmcompress.core.data.TextData;
import org.jvmcompress.core.data.Vocabulary;
import org.jvmcompress.core.model.ModelInfo;
import org.jvmcompress.core.util.Hashing;

/**
 * Sentiment classification of IMDB reviews: 80 / 10 / 10 train / validation / test, seeded, with duplicate reviews
 * kept on one side; a vocabulary of the 20,000 most frequent training tokens; 256 tokens per review.
 */
public final class NlpTask implements Task {
    public static final int VOCAB_SIZE = 20_000;
    public static final int MAX_LENGTH = 256;
    static final double[] FRACTIONS = {0.8, 0.1, 0.1};

    @Override
    public String name() {
        return "nlp";
    }

    @Override
    public String description() {
        return "IMDB review sentiment (2 classes), word tokens, 256 per review";
    }

    @Override
    public TaskData load(DataHome home, long splitSeed, ModelInfo encodingFrom) {
        return fromTexts(new Imdb(home).load(), splitSeed, Imdb.SHA256, encodingFrom);
    }

    @Override
    public TaskData fromFiles(java.nio.file.Path pool, java.nio.file.Path test, long splitSeed, ModelInfo enc) {
        if (pool == null && enc == null) {
            throw new CompressionException("evaluating texts needs the model's vocabulary: its sidecar (.json) is missing");
        }
        List<String> labels = enc != null ? enc.labels() : null;
        TextData t = org.jvmcompress.core.data.TextFiles.read(test, "text", "label", labels);
        TextData p = pool == null ? t.subset(new int[0])
                : org.jvmcompress.core.data.TextFiles.read(pool, "text", "label", t.labelNames());
        Vocabulary vocab = enc != null ? new Vocabulary(enc.vocabulary()) : Vocabulary.fit(p.texts(), VOCAB_SIZE);
        int maxLen = enc != null ? (int) enc.inputShape()[0] : MAX_LENGTH;
        int[][] parts = Splits.split(p.size(), new double[] {0.9, 0.1}, splitSeed);
        String hash = Hashing.sha256((pool == null ? "" : pool.toAbsolutePath().toString()) + "|" + test.toAbsolutePath()
                + "|seed=" + splitSeed);
        return new TaskData(name(), source(p.subset(parts[0]), vocab, maxLen), source(p.subset(parts[1]), vocab, maxLen),
                source(t, vocab, maxLen), new long[] {maxLen}, "tokens", t.labelNames(), preprocessing(maxLen),
                vocab.tokens(), hash, splitSeed);
    }

    private static Map<String, Object> preprocessing(int maxLen) {
        Map<String, Object> pre = new LinkedHashMap<>();
        pre.put("tokenizer", "words-v1");
        pre.put("maxLength", maxLen);
        pre.put("padding", "post");
        pre.put("truncation", "post");
        return pre;
    }

    /** Any labelled texts, split with the seed; encoded with the model's vocabulary when one is given. */
    public TaskData fromTexts(TextData all, long splitSeed, String sourceHash, ModelInfo encodingFrom) {
        List<String> keys = new ArrayList<>(all.size());
        for (String t : all.texts()) {
            keys.add(Splits.textKey(t));
        }
        int[][] parts = Splits.split(keys, FRACTIONS, splitSeed);
        TextData train = all.subset(parts[0]);
        Vocabulary vocab;
        int maxLen;
        if (encodingFrom != null) {
            if (!"tokens".equals(encodingFrom.input())) {
                throw new CompressionException("the model takes " + encodingFrom.input() + " input, but task nlp gives text");
            }
            vocab = new Vocabulary(encodingFrom.vocabulary());
            maxLen = (int) encodingFrom.inputShape()[0];
        } else {
            vocab = Vocabulary.fit(train.texts(), VOCAB_SIZE);
            maxLen = MAX_LENGTH;
        }
        String hash = Hashing.sha256(name() + "|" + sourceHash + "|seed=" + splitSeed + "|fractions=0.8,0.1,0.1|vocab="
                + Hashing.sha256(String.join("\n", vocab.tokens())) + "|len=" + maxLen);
        return new TaskData(name(), source(train, vocab, maxLen), source(all.subset(parts[1]), vocab, maxLen),
                source(all.subset(parts[2]), vocab, maxLen), new long[] {maxLen}, "tokens", all.labelNames(),
                preprocessing(maxLen),
                vocab.tokens(), hash, splitSeed);
    }

    private static Batches.Source source(TextData d, Vocabulary v, int maxLen) {
        return Batches.tokens(v.encodeAll(d.texts(), maxLen), d.labels(), d.labelNames());
    }

    @Override
    public Batches.Source unlabelled(java.nio.file.Path pool, TaskData d) {
        List<String> texts = new ArrayList<>();
        try {
            if (java.nio.file.Files.isRegularFile(pool)) {
                for (String line : java.nio.file.Files.readAllLines(pool, java.nio.charset.StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        texts.add(line);
                    }
                }
            } else {
                for (java.nio.file.Path f : org.jvmcompress.core.data.UnlabelledFiles.list(pool, ".txt files",
                        n -> n.endsWith(".txt"))) {
                    texts.add(java.nio.file.Files.readString(f, java.nio.charset.StandardCharsets.UTF_8));
                }
            }
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            throw new CompressionException("cannot read texts from " + pool + ": " + e.getMessage(), e);
        }
        if (texts.isEmpty()) {
            throw new CompressionException("no texts in " + pool);
        }
        Vocabulary v = new Vocabulary(d.vocabulary());
        return Batches.tokens(v.encodeAll(texts, (int) d.inputShape()[0]), new int[texts.size()], d.labels());
    }

    @Override
    public List<String> architectures() {
        return List.of("nlp-cnn", "nlp-teacher", "nlp-student");
    }

    @Override
    public ComputationGraph build(String architecture, TaskData d, TrainConfig c) {
        if (architecture != null && architecture.startsWith(Tasks.FILE)) {
            return Tasks.fromFile(Tasks.checkArchitecture(this, architecture), d, c);
        }
        int vocab = d.vocabulary().size();
        int len = (int) d.inputShape()[0];
        if (architecture != null && architecture.startsWith(SearchNets.NLP)) {
            return SearchNets.nlp(SearchNets.parseNlp(architecture), vocab, len, d.numClasses(), c);
        }
        ArchSpec a = ArchSpec.parse(Tasks.checkArchitecture(this, architecture));
        return switch (a.base()) {
            case "nlp-cnn" -> Architectures.nlpCnn(a, vocab, len, d.numClasses(), c);
            case "nlp-teacher" -> Architectures.nlpBiLstm(a, vocab, len, d.numClasses(), c);
            case "nlp-student" -> Architectures.nlpStudent(a, vocab, len, d.numClasses(), c);
            default -> throw new IllegalStateException(a.base());
        };
    }

    @Override
    public String studentArchitecture() {
        return "nlp-student";
    }

    @Override
    public TrainConfig defaultConfig() {
        return new TrainConfig("nlp-cnn", 8, 64, 1e-3, 0.8, 2, 0, 42, 0);
    }
}
