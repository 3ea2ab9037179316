package org.jvmcompress.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.DataHome;
import org.jvmcompress.core.model.onnx.BertEncoder;
import org.jvmcompress.core.model.onnx.PretrainedEncoder;
import org.jvmcompress.core.model.onnx.SentenceEmbedder;
import org.jvmcompress.core.util.AtomicFiles;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.core.util.ProgressBar;
import org.jvmcompress.distill.EmbeddingDistiller;
import org.jvmcompress.quantize.EncoderQuantizer;
import org.jvmcompress.quantize.Encoders;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code quantize-encoder}: the suite's int8 of a pretrained transformer encoder, written as an ONNX file (with the
 * tokenizer beside it: a model folder), measured against the float encoder on real texts (cosine of the sentence
 * embeddings, recall@10 of the float encoder's nearest neighbours, size, texts per second in the suite's runtime), and
 * the int8 file its publisher ships measured the same way in the same run.
 */
final class QuantizeEncoderCommand implements Command {
    @Override
    public String name() {
        return "quantize-encoder";
    }

    @Override
    public String summary() {
        return "int8 ONNX of a pretrained transformer encoder, against float and the shipped int8 (cosine, recall@10,"
                + " size, speed)";
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(Option.builder().longOpt("teacher").hasArg().argName("NAME")
                        .desc("float pretrained encoder (default minilm: all-MiniLM-L6-v2 from Maven Central)").build())
                .addOption(Option.builder().longOpt("text").hasArg().argName("FILE")
                        .desc("UTF-8 texts to measure on, one per line (default: sentences of the IMDB test reviews,"
                                + " the held-out texts of distill-embeddings)").build())
                .addOption(Option.builder().longOpt("texts").hasArg().argName("N")
                        .desc("texts measured on (default 2000, fewer when the file has fewer)").build())
                .addOption(Option.builder().longOpt("batch").hasArg().argName("N").desc("default 32").build())
                .addOption(Option.builder().longOpt("reduce-range").desc("7-bit weights (codes up to 63, as ONNX"
                        + " Runtime's reduce_range): for int8 kernels on CPUs without VNNI, which can saturate with"
                        + " full-range weights; default full int8").build())
                .addOption(Option.builder("o").longOpt("output").hasArg().argName("DIR")
                        .desc("run folder: model-int8.onnx, tokenizer.json, encoder-quantization.json (default"
                                + " runs/quantize-encoder)").build());
    }

    @Override
    public int run(CommandLine cl) {
        PretrainedEncoder pe = PretrainedEncoder.get(cl.getOptionValue("teacher", "minilm"));
        if (pe == PretrainedEncoder.MINILM_Q) {
            throw new UsageException("--teacher minilm-q is already int8: give the float encoder (minilm)");
        }
        int n = Cli.intOpt(cl, "texts", 2000, 20);
        int batch = Cli.intOpt(cl, "batch", 32, 1);
        long seed = Cli.seed(cl);
        DataHome home = Cli.dataHome(cl);
        String textArg = cl.getOptionValue("text");
        List<String> texts;
        String source;
        if (textArg == null) {
            texts = DistillEmbeddingsCommand.imdbSentences(home, seed)[1];
            source = "IMDB test-review sentences (built-in)";
        } else {
            texts = new ArrayList<>(DistillEmbeddingsCommand.readTexts(Path.of(textArg), 20, "measuring an encoder"));
            Collections.shuffle(texts, new Random(seed));
            source = Path.of(textArg).toAbsolutePath().toString();
        }
        texts = texts.subList(0, Math.min(n, texts.size()));
        pe.ensure(home);
        Path out = Cli.output(cl, "runs/quantize-encoder");
        Path model = out.resolve("model-int8.onnx");
        int maxCode = cl.hasOption("reduce-range") ? 63 : 127;
        EncoderQuantizer.Written w = EncoderQuantizer.write(pe.model(home), model, maxCode);
        AtomicFiles.write(out.resolve(PretrainedEncoder.TOKENIZER_FILE),
                f -> Files.copy(pe.tokenizer(home), f, java.nio.file.StandardCopyOption.REPLACE_EXISTING));
        long floatBytes = size(pe.model(home));
        System.out.printf(Locale.ROOT, "wrote %s: %d products int8, %d tables uint8, %,d bytes (%.1f %% of the float"
                + " file's %,d)%n", model, w.products(), w.tables(), w.bytes(), 100.0 * w.bytes() / floatBytes, floatBytes);
        System.out.printf("measuring on %d texts from %s (each variant embeds them twice; the second pass is timed)%n",
                texts.size(), source);

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("command", Cli.commandLine(name(), cl));
        r.put("teacher", pe.coordinates() + " (" + pe.description() + ")");
        r.put("text", source);
        r.put("texts", texts.size());
        r.put("runtime", Encoders.runtime() + "; " + org.jvmcompress.core.runtime.Backend.describe());
        r.put("weight_codes", "-" + maxCode + " to " + maxCode);
        r.put("scheme", "int8 weights per output column (symmetric), uint8 inputs over each input's own range per call"
                + " (ONNX DynamicQuantizeLinear), uint8 embedding tables (one scale and zero point each); attention"
                + " products, softmax, layer norms and GELU in float");
        BertEncoder floatEnc = BertEncoder.read(pe.model(home));
        INDArray reference = null;
        Map<String, BertEncoder> variants = new LinkedHashMap<>();
        variants.put("float", Encoders.onOneDnn(floatEnc));
        variants.put("int8", Encoders.onOneDnn(BertEncoder.read(model)));
        PretrainedEncoder sibling = pe.quantisedSibling();
        if (sibling != null) {
            sibling.ensure(home);
            variants.put("shipped-int8", Encoders.onOneDnn(BertEncoder.read(sibling.model(home))));
        }
        for (Map.Entry<String, BertEncoder> v : variants.entrySet()) {
            Map<String, Object> m = new LinkedHashMap<>();
            Path file = switch (v.getKey()) {
                case "float" -> pe.model(home);
                case "int8" -> model;
                default -> sibling.model(home);
            };
            m.put("file", v.getKey().equals("int8") ? model.getFileName().toString()
                    : (v.getKey().equals("float") ? pe : sibling).coordinates());
            m.put("bytes", size(file));
            m.put("bytes_ratio_to_float", size(file) / (double) floatBytes);
            try (SentenceEmbedder e = new SentenceEmbedder(v.getValue(), pe.tokenizer(home), pe.maxTokens(), home);
                 ProgressBar bar = new ProgressBar(v.getKey() + " embeddings", texts.size(), "texts")) {
                // a first pass makes the runtime's per-shape plans; the second, timed, is the steady state
                e.embed(texts, batch, null);
                long t0 = System.nanoTime();
                INDArray emb = e.embed(texts, batch, bar::step);
                double rate = texts.size() / ((System.nanoTime() - t0) / 1e9);
                m.put("texts_per_s", rate);
                if (reference == null) {
                    reference = emb;
                } else {
                    double min = 1;
                    for (int i = 0; i < emb.size(0); i++) {
                        min = Math.min(min, emb.getRow(i).mul(reference.getRow(i)).sumNumber().doubleValue());
                    }
                    m.put("cosine_to_float_mean", EmbeddingDistiller.meanCosine(reference, emb));
                    m.put("cosine_to_float_min", min);
                    m.put("recall_at_10_of_float_neighbours", EmbeddingDistiller.recallAtK(reference, emb, 10));
                    m.put("speedup_over_float", rate / ((Number) ((Map<?, ?>) r.get("float")).get("texts_per_s"))
                            .doubleValue());
                }
            }
            r.put(v.getKey(), m);
        }
        Json.writeFile(out.resolve("encoder-quantization.json"), r);
        System.out.println();
        System.out.println("| variant | bytes | of float | cosine to float (mean / min) | recall@10 | texts/s |");
        System.out.println("|---|---|---|---|---|---|");
        for (String k : variants.keySet()) {
            Map<?, ?> m = (Map<?, ?>) r.get(k);
            System.out.printf(Locale.ROOT, "| %s | %,d | %.1f %% | %s | %s | %.1f |%n", k, (Long) m.get("bytes"),
                    100 * (Double) m.get("bytes_ratio_to_float"), m.containsKey("cosine_to_float_mean")
                            ? String.format(Locale.ROOT, "%.4f / %.4f", m.get("cosine_to_float_mean"),
                            m.get("cosine_to_float_min")) : "1", m.containsKey("recall_at_10_of_float_neighbours")
                            ? String.format(Locale.ROOT, "%.3f", m.get("recall_at_10_of_float_neighbours")) : "1",
                    (Double) m.get("texts_per_s"));
        }
        System.out.println("wrote " + out.resolve("encoder-quantization.json"));
        return 0;
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            throw new CompressionException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }
}
