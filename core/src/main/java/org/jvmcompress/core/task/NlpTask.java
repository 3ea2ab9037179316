package org.jvmcompress.core.task;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.Batches;
import org.jvmcompress.core.data.DataFiles;
import org.jvmcompress.core.data.DataHome;
import org.jvmcompress.core.data.DataSource;
import org.jvmcompress.core.data.TextFiles;
import org.jvmcompress.core.data.Imdb;
import org.jvmcompress.core.data.Splits;
import org.jvmcompress.core.data.TextData;
import org.jvmcompress.core.data.Vocabulary;
import org.jvmcompress.core.data.Vocabulary.Truncation;
import org.jvmcompress.core.model.ModelInfo;
import org.jvmcompress.core.util.Hashing;

/**
 * Text classification of a built-in set (a {@link Corpus}: IMDB review sentiment for task {@code nlp}, WordNet noun
 * definitions' semantic categories for task {@code wordnet}) or of a user's texts: 80 / 10 / 10 train / validation /
 * test, seeded, with duplicate texts kept on one side; a vocabulary of the 20,000 most frequent training tokens; a
 * fixed number of tokens per text (the corpus's). A longer text keeps its first and last halves ({@code middle}
 * truncation) in models trained now; models record theirs, and those that record {@code post} (every model before
 * the option existed) keep their first tokens.
 */
public final class NlpTask implements Task {
    public static final int VOCAB_SIZE = 20_000;
    /** Tokens per IMDB review. */
    public static final int MAX_LENGTH = 256;
    static final double[] FRACTIONS = {0.8, 0.1, 0.1};
    /** How new models cut long texts; a model's own record wins. */
    public static final Truncation TRUNCATION = Truncation.MIDDLE;

    /**
     * A built-in text set and the task that names it.
     *
     * @param task        the task's name
     * @param builtin     the set's name in data records
     * @param description one line for the task list
     * @param sha256      the SHA-256 of the file the set is read from (part of the data hash)
     * @param maxLength   tokens per text
     * @param loader      reads (and fetches when needed) the whole set in a fixed order
     */
    public record Corpus(String task, String builtin, String description, String sha256, int maxLength,
                         java.util.function.Function<DataHome, TextData> loader) {}

    public static final Corpus IMDB = new Corpus("nlp", "imdb",
            "text classification: built-in IMDB review sentiment (2 classes, 256 word tokens) or your texts",
            Imdb.SHA256, MAX_LENGTH, h -> new Imdb(h).load());
    /** 32 tokens: the 95th percentile of the glosses' lengths is 26. */
    public static final Corpus WORDNET = new Corpus("wordnet", "wordnet-nouns",
            "text classification: built-in WordNet 3.0 noun definitions by semantic category (26 classes, 32 word"
                    + " tokens) or your texts",
            org.jvmcompress.core.data.WordNetNouns.SHA256, 32, h -> new org.jvmcompress.core.data.WordNetNouns(h).load());

    private final Corpus corpus;

    /** Task {@code nlp}: IMDB. */
    public NlpTask() {
        this(IMDB);
    }

    public NlpTask(Corpus corpus) {
        this.corpus = corpus;
    }

    public Corpus corpus() {
        return corpus;
    }

    @Override
    public String name() {
        return corpus.task();
    }

    @Override
    public String description() {
        return corpus.description();
    }

    @Override
    public TaskData load(DataHome home, long splitSeed, ModelInfo encodingFrom) {
        TaskData d = fromTexts(corpus.loader().apply(home), splitSeed, corpus.sha256(), encodingFrom);
        return d.withSource(new DataSource(DataSource.BUILTIN, corpus.builtin(), null, null, null, splitSeed,
                new java.util.TreeMap<>(Map.of("train", FRACTIONS[0], "validation", FRACTIONS[1], "test", FRACTIONS[2])),
                d.labels(), encoding(d.vocabulary(), (int) d.inputShape()[0], truncation(encodingFrom))));
    }

    @Override
    public String builtinHash(long splitSeed, ModelInfo enc) {
        if (enc == null || enc.vocabulary() == null) {
            return null;
        }
        return splitHash(corpus.sha256(), splitSeed, enc.vocabulary(), (int) enc.inputShape()[0], truncation(enc));
    }

    /** The model's recorded truncation, or the default for a model being made. */
    static Truncation truncation(ModelInfo enc) {
        return enc == null ? TRUNCATION : Truncation.recordedIn(enc.preprocessing());
    }

    /** Data hashes of post-truncated data are those recorded before truncation was a choice. */
    private static String truncationKey(Truncation t) {
        return t == Truncation.POST ? "" : "|truncation=" + t.id;
    }

    private String splitHash(String sourceHash, long splitSeed, List<String> vocab, int maxLen, Truncation t) {
        return Hashing.sha256(name() + "|" + sourceHash + "|seed=" + splitSeed + "|fractions=0.8,0.1,0.1|vocab="
                + vocabHash(vocab) + "|len=" + maxLen + truncationKey(t));
    }

    private static String vocabHash(List<String> vocab) {
        return Hashing.sha256(String.join("\n", vocab));
    }

    private static Map<String, Object> encoding(List<String> vocab, int maxLen, Truncation t) {
        Map<String, Object> e = new LinkedHashMap<>(preprocessing(maxLen, t));
        e.put("vocabularySize", vocab.size());
        e.put("vocabularySha256", vocabHash(vocab));
        return e;
    }

    /**
     * A user's texts (CSV or JSONL with text and label, or a folder of .txt per class). The vocabulary and length are
     * the model's when {@code enc} is given; otherwise the vocabulary (up to 20,000 words) is fitted on the training
     * split and the length is {@code --max-length}, else the 95th percentile of the training texts' token counts
     * (16 to 512), so that short messages are not padded to 256 tokens and long documents keep more of their text.
     */
    @Override
    public TaskData fromFiles(DataRequest req, long splitSeed, ModelInfo enc) {
        if (req.data() == null && enc == null) {
            throw new CompressionException("evaluating texts needs the model's vocabulary: its sidecar (.json) is missing");
        }
        if (enc != null && !"tokens".equals(enc.input())) {
            throw new CompressionException("the model takes " + enc.input() + " input, but task nlp gives text");
        }
        List<String> labels = enc != null ? enc.labels() : req.labels();
        TextData p = req.data() == null ? null : TextFiles.read(req.data(), "text", "label", labels);
        List<String> classes = p != null ? p.labelNames() : labels;
        TextData t = req.testData() == null ? null : TextFiles.read(req.testData(), "text", "label", classes);
        if (p == null) {
            p = t.subset(new int[0]);
        }
        List<String> keys = textKeys(p);
        int[][] parts;
        Map<String, Double> fractions;
        if (t == null) {
            parts = Splits.split(keys, FRACTIONS, splitSeed);
            fractions = Map.of("train", FRACTIONS[0], "validation", FRACTIONS[1], "test", FRACTIONS[2]);
        } else {
            parts = Splits.split(keys, new double[] {0.9, 0.1}, splitSeed);
            fractions = Map.of("train", 0.9, "validation", 0.1);
        }
        TextData train = p.subset(parts[0]);
        TextData val = p.subset(parts[1]);
        TextData test = t != null ? t : p.subset(parts[2]);
        Vocabulary vocab = enc != null ? new Vocabulary(enc.vocabulary()) : Vocabulary.fit(train.texts(), VOCAB_SIZE);
        int maxLen = enc != null ? (int) enc.inputShape()[0]
                : req.maxLength() != null ? req.maxLength() : lengthFor(train);
        Truncation trunc = truncation(enc);
        DataSource.Part trainPart = req.data() == null ? null
                : DataFiles.part(req.data(), DataFiles.textFormat(req.data()), p.size());
        DataSource.Part testPart = t == null ? null
                : DataFiles.part(req.testData(), DataFiles.textFormat(req.testData()), t.size());
        String hash = Hashing.sha256(name() + "|train=" + (trainPart == null ? "" : trainPart.sha256()) + "|test="
                + (testPart == null ? "" : testPart.sha256()) + "|seed=" + splitSeed + "|fractions="
                + new java.util.TreeMap<>(fractions) + "|vocab=" + vocabHash(vocab.tokens())
                + "|len=" + maxLen + truncationKey(trunc));
        DataSource src = new DataSource(DataSource.FILES, null, trainPart, testPart, null, splitSeed,
                new java.util.TreeMap<>(fractions), test.labelNames(), encoding(vocab.tokens(), maxLen, trunc));
        TaskData d = new TaskData(name(), source(train, vocab, maxLen, trunc), source(val, vocab, maxLen, trunc),
                source(test, vocab, maxLen, trunc), new long[] {maxLen}, "tokens", test.labelNames(),
                preprocessing(maxLen, trunc),
                vocab.tokens(), hash, splitSeed, src, List.of());
        if (t != null && p.size() > 0) {
            long dup = Splits.overlap(keys, textKeys(t));
            if (dup > 0) {
                d = d.withNote(String.format(java.util.Locale.ROOT, "warning: %,d of the %,d test texts also appear"
                        + " in the training data %s; test accuracy overstates what the model does on new texts", dup,
                        t.size(), req.data()));
            }
        }
        return d;
    }

    private static List<String> textKeys(TextData d) {
        List<String> keys = new ArrayList<>(d.size());
        for (String x : d.texts()) {
            keys.add(Splits.textKey(x));
        }
        return keys;
    }

    /** 95th percentile of the texts' token counts, rounded up to a multiple of 8, within [16, 512]. */
    static int lengthFor(TextData train) {
        if (train.size() == 0) {
            return MAX_LENGTH;
        }
        int[] n = train.texts().stream().mapToInt(x -> org.jvmcompress.core.data.Tokenizer.tokens(x).size()).sorted()
                .toArray();
        int p95 = n[Math.min(n.length - 1, (int) Math.ceil(0.95 * n.length) - 1)];
        return Math.max(16, Math.min(512, (p95 + 7) / 8 * 8));
    }

    private static Map<String, Object> preprocessing(int maxLen, Truncation t) {
        Map<String, Object> pre = new LinkedHashMap<>();
        pre.put("tokenizer", "words-v1");
        pre.put("maxLength", maxLen);
        pre.put("padding", "post");
        pre.put("truncation", t.id);
        return pre;
    }

    /** The task's 80/10/10 split of labelled texts (train, validation, test indices), duplicates kept on one side. */
    public static int[][] split(TextData all, long splitSeed) {
        return Splits.split(textKeys(all), FRACTIONS, splitSeed);
    }

    /** Any labelled texts, split with the seed; encoded with the model's vocabulary when one is given. */
    public TaskData fromTexts(TextData all, long splitSeed, String sourceHash, ModelInfo encodingFrom) {
        int[][] parts = split(all, splitSeed);
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
            maxLen = corpus.maxLength();
        }
        Truncation trunc = truncation(encodingFrom);
        String hash = splitHash(sourceHash, splitSeed, vocab.tokens(), maxLen, trunc);
        return new TaskData(name(), source(train, vocab, maxLen, trunc),
                source(all.subset(parts[1]), vocab, maxLen, trunc), source(all.subset(parts[2]), vocab, maxLen, trunc),
                new long[] {maxLen}, "tokens", all.labelNames(), preprocessing(maxLen, trunc),
                vocab.tokens(), hash, splitSeed);
    }

    private static Batches.Source source(TextData d, Vocabulary v, int maxLen, Truncation t) {
        return Batches.tokens(v.encodeAll(d.texts(), maxLen, t), d.labels(), d.labelNames());
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
        return Batches.tokens(v.encodeAll(texts, (int) d.inputShape()[0], Truncation.recordedIn(d.preprocessing())),
                new int[texts.size()], d.labels());
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
