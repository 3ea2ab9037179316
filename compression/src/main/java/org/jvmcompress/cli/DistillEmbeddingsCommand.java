package org.jvmcompress.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.DataHome;
import org.jvmcompress.core.data.Imdb;
import org.jvmcompress.core.data.Splits;
import org.jvmcompress.core.data.TextData;
import org.jvmcompress.core.model.onnx.PretrainedEncoder;
import org.jvmcompress.core.model.onnx.SentenceEmbedder;
import org.jvmcompress.core.util.AtomicFiles;
import org.jvmcompress.core.util.IoReasons;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.distill.EmbeddingDistiller;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code distill-embeddings}: a small text encoder trained to give a pretrained sentence encoder's embeddings, on the
 * user's unlabelled text (one text per line) or, by default, on sentences of the IMDB reviews (training reviews for
 * training, test reviews held out). Reports the cosine to the teacher and the recall of its nearest neighbours on the
 * held-out texts, the sizes and both encoders' throughput measured in the same run.
 */
final class DistillEmbeddingsCommand implements Command {
    static final String DEFAULT_STUDENT = "nlpnet:e=96,enc=cnn,h=384,l=2,k=3,pool=mean";

    @Override
    public String name() {
        return "distill-embeddings";
    }

    @Override
    public String summary() {
        return "train a small encoder to reproduce a pretrained sentence encoder's embeddings (cosine, recall@10, speed)";
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(Option.builder().longOpt("teacher").hasArg().argName("NAME")
                        .desc("pretrained encoder (default minilm: all-MiniLM-L6-v2 from Maven Central)").build())
                .addOption(Option.builder().longOpt("student").hasArg().argName("SPEC")
                        .desc("student architecture, an nlpnet: spec over the teacher's word pieces (default "
                                + DEFAULT_STUDENT + ")").build())
                .addOption(Option.builder().longOpt("text").hasArg().argName("FILE")
                        .desc("unlabelled UTF-8 text, one text per line (default: sentences of the IMDB reviews)").build())
                .addOption(Option.builder().longOpt("train").hasArg().argName("N")
                        .desc("training texts (default 50000, fewer when the text has fewer)").build())
                .addOption(Option.builder().longOpt("heldout").hasArg().argName("N")
                        .desc("held-out texts for cosine and recall@10 (default 2000)").build())
                .addOption(Option.builder().longOpt("length").hasArg().argName("N")
                        .desc("the student's input length in word pieces (default 64)").build())
                .addOption(Option.builder().longOpt("random-init").desc("start the student's word-piece embeddings"
                        + " from noise, not from the teacher's (projected on their principal components)").build())
                .addOption(Option.builder().longOpt("epochs").hasArg().argName("N").desc("default 10").build())
                .addOption(Option.builder().longOpt("batch").hasArg().argName("N").desc("default 128").build())
                .addOption(Option.builder().longOpt("lr").hasArg().argName("X").desc("Adam's rate (default 0.002)").build())
                .addOption(Option.builder("o").longOpt("output").hasArg().argName("DIR")
                        .desc("run folder (default runs/distill-embeddings)").build());
    }

    @Override
    public int run(CommandLine cl) {
        PretrainedEncoder pe = PretrainedEncoder.get(cl.getOptionValue("teacher", "minilm"));
        EmbeddingDistiller.Config c = new EmbeddingDistiller.Config(cl.getOptionValue("student", DEFAULT_STUDENT),
                Cli.intOpt(cl, "length", 64, 2), Cli.intOpt(cl, "epochs", 10, 1), Cli.intOpt(cl, "batch", 128, 1),
                Cli.doubleOpt(cl, "lr", 0.002, 1e-9), Cli.seed(cl));
        int nTrain = Cli.intOpt(cl, "train", 50_000, 1);
        int nHeld = Cli.intOpt(cl, "heldout", 2000, 20);
        DataHome home = Cli.dataHome(cl);
        String textArg = cl.getOptionValue("text");
        List<String>[] parts = textArg == null ? imdbSentences(home, c.seed()) : userTexts(Path.of(textArg), c.seed());
        List<String> train = parts[0].subList(0, Math.min(nTrain, parts[0].size()));
        List<String> held = parts[1].subList(0, Math.min(nHeld, parts[1].size()));
        if (held.size() < 20 || train.isEmpty()) {
            throw new CompressionException("embedding distillation needs at least 20 held-out texts and some to train on;"
                    + " got " + train.size() + " and " + held.size());
        }
        Path out = Cli.output(cl, "runs/distill-embeddings");
        String source = textArg == null ? "IMDB review sentences (built-in; train reviews / test reviews)"
                : Path.of(textArg).toAbsolutePath() + " (90/10 split by seed " + c.seed() + ")";
        System.out.printf("teacher %s; %d training and %d held-out texts from %s%n", pe.description(), train.size(),
                held.size(), source);
        try (SentenceEmbedder teacher = org.jvmcompress.quantize.Encoders.embedder(pe, home)) {
            INDArray tTrain = EmbeddingDistiller.teacherEmbeddings(teacher, pe.onnxSha256(), train, out, "train");
            INDArray tHeld = EmbeddingDistiller.teacherEmbeddings(teacher, pe.onnxSha256(), held, out, "heldout");
            long sep = teacher.tokenIds(List.of(""))[0][1];
            INDArray[] inTrain = EmbeddingDistiller.inputs(teacher.tokenIds(train), c.length(), sep);
            INDArray[] inHeld = EmbeddingDistiller.inputs(teacher.tokenIds(held), c.length(), sep);
            ComputationGraph s = EmbeddingDistiller.student(c, teacher.encoder().vocabularySize(), teacher.encoder().width());
            boolean init = !cl.hasOption("random-init");
            if (init) {
                EmbeddingDistiller.initFromTeacher(s, teacher.encoder().wordEmbeddings());
            }
            long t0 = System.nanoTime();
            // checkpoints belong to this exact configuration and data: another one starts afresh beside them
            Path ckpt = out.resolve("student-" + org.jvmcompress.core.util.Hashing.sha256(c + "|init=" + init + "|"
                    + pe.onnxSha256() + "|" + String.join("\n", train)).substring(0, 16));
            int ran = EmbeddingDistiller.train(s, inTrain, tTrain, c, ckpt);
            double trainSeconds = (System.nanoTime() - t0) / 1e9;
            INDArray sHeld = EmbeddingDistiller.embed(s, inHeld, 256);
            double cos = EmbeddingDistiller.meanCosine(tHeld, sHeld);
            double recall = EmbeddingDistiller.recallAtK(tHeld, sHeld, 10);
            double base = EmbeddingDistiller.recallAtK(tHeld, shuffledRows(tHeld, c.seed()), 10);
            // Throughput on the same held-out texts, tokenisation included for both, in this run.
            List<String> timed = held.subList(0, Math.min(held.size(), 1000));
            teacher.embed(timed.subList(0, Math.min(64, timed.size())), 32, null);
            long a = System.nanoTime();
            teacher.embed(timed, 32, null);
            double teacherRate = timed.size() / ((System.nanoTime() - a) / 1e9);
            EmbeddingDistiller.embed(s, EmbeddingDistiller.inputs(teacher.tokenIds(timed), c.length(), sep), 256);
            a = System.nanoTime();
            EmbeddingDistiller.embed(s, EmbeddingDistiller.inputs(teacher.tokenIds(timed), c.length(), sep), 256);
            double studentRate = timed.size() / ((System.nanoTime() - a) / 1e9);
            long tp = teacher.encoder().numParams();
            long sp = s.numParams();
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("command", Cli.commandLine(name(), cl));
            r.put("teacher", pe.coordinates() + " (" + pe.description() + ")");
            r.put("text", source);
            r.put("train_texts", train.size());
            r.put("heldout_texts", held.size());
            r.put("student", c.student());
            r.put("student_length", c.length());
            r.put("embedding_init", init ? "teacher word embeddings, principal components" : "random (Xavier)");
            r.put("epochs", c.epochs());
            r.put("batch", c.batch());
            r.put("learning_rate", c.learningRate());
            r.put("seed", c.seed());
            r.put("teacher_params", tp);
            r.put("student_params", sp);
            r.put("params_ratio", sp / (double) tp);
            r.put("mean_cosine", cos);
            r.put("recall_at_10", recall);
            r.put("recall_at_10_random_baseline", base);
            r.put("teacher_texts_per_s", teacherRate);
            r.put("student_texts_per_s", studentRate);
            r.put("speedup", studentRate / teacherRate);
            r.put("train_seconds_this_run", trainSeconds);
            r.put("epochs_run_now", ran);
            r.put("runtime", org.jvmcompress.core.runtime.Backend.describe());
            Path student = out.resolve("student.zip");
            AtomicFiles.write(student, f -> ModelSerializer.writeModel(s, f.toFile(), false));
            Json.writeFile(out.resolve("embedding-distillation.json"), r);
            System.out.printf(Locale.ROOT, "student %s: %,d params (%.1f %% of the teacher's %,d)%n", c.student(), sp,
                    100.0 * sp / tp, tp);
            System.out.printf(Locale.ROOT, "held-out: mean cosine to the teacher %.4f, recall@10 of its neighbours %.3f"
                    + " (random %.3f)%n", cos, recall, base);
            System.out.printf(Locale.ROOT, "throughput: teacher %.1f texts/s, student %.1f texts/s (%.1fx)%n",
                    teacherRate, studentRate, studentRate / teacherRate);
            System.out.println("wrote " + out.resolve("embedding-distillation.json") + " and " + student);
        }
        return 0;
    }

    private static INDArray shuffledRows(INDArray a, long seed) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < a.size(0); i++) {
            idx.add(i);
        }
        Collections.shuffle(idx, new Random(seed));
        return a.getRows(idx.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Sentences of the training reviews and of the test reviews (the suite's IMDB split), deduplicated, shuffled. */
    @SuppressWarnings("unchecked")
    static List<String>[] imdbSentences(DataHome home, long seed) {
        TextData all = new Imdb(home).load();
        int[][] split = org.jvmcompress.core.task.NlpTask.split(all, 42);
        return new List[] {sentences(all.texts(), split[0], seed), sentences(all.texts(), split[2], seed)};
    }

    static List<String> sentences(List<String> texts, int[] idx, long seed) {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        BreakIterator bi = BreakIterator.getSentenceInstance(Locale.ENGLISH);
        for (int i : idx) {
            String t = texts.get(i).replace("<br />", " ").replaceAll("\\s+", " ");
            bi.setText(t);
            for (int s = bi.first(), e = bi.next(); e != BreakIterator.DONE; s = e, e = bi.next()) {
                String x = t.substring(s, e).strip();
                if (x.split(" ").length >= 4 && x.length() <= 400) {
                    out.add(x);
                }
            }
        }
        List<String> l = new ArrayList<>(out);
        Collections.shuffle(l, new Random(seed));
        return l;
    }

    /** The distinct non-empty lines of a UTF-8 text file; at least {@code min} of them, or an error naming the use. */
    static List<String> readTexts(Path file, int min, String use) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CompressionException("cannot read text file " + file + ": " + IoReasons.of(e), e);
        }
        List<String> texts = new ArrayList<>(new LinkedHashSet<>(lines.stream().map(String::strip)
                .filter(s -> !s.isEmpty()).toList()));
        if (texts.size() < min) {
            throw new CompressionException("text file " + file + " has " + texts.size() + " distinct non-empty lines;"
                    + " " + use + " needs at least " + min + " (one text per line)");
        }
        return texts;
    }

    @SuppressWarnings("unchecked")
    static List<String>[] userTexts(Path file, long seed) {
        List<String> texts = readTexts(file, 40, "embedding distillation");
        List<String> keys = texts.stream().map(Splits::textKey).toList();
        int[][] split = Splits.split(keys, new double[] {0.9, 0.1}, seed);
        List<String> tr = new ArrayList<>();
        for (int i : split[0]) {
            tr.add(texts.get(i));
        }
        List<String> te = new ArrayList<>();
        for (int i : split[1]) {
            te.add(texts.get(i));
        }
        return new List[] {tr, te};
    }
}
