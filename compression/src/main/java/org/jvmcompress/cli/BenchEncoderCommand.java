package org.jvmcompress.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.jvmcompress.core.data.DataHome;
import org.jvmcompress.core.model.onnx.BertEncoder;
import org.jvmcompress.core.model.onnx.PretrainedEncoder;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.quantize.Encoders;

/**
 * {@code bench-encoder}: inference speed of a pretrained transformer encoder in the suite's runtimes, at given batch
 * sizes and one sequence length (token ids drawn at random from the vocabulary, every position real), for comparison
 * with the peer script {@code bench/text/minilm_peer.py} run in the same sitting. Variants: the float encoder (ND4J
 * ops), the suite's int8 of it and, where the encoder ships one, its int8 file (both on oneDNN's integer product).
 */
final class BenchEncoderCommand implements Command {
    @Override
    public String name() {
        return "bench-encoder";
    }

    @Override
    public String summary() {
        return "inference speed of a pretrained transformer encoder at batch sizes and a sequence length";
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(Option.builder().longOpt("teacher").hasArg().argName("NAME").desc("default minilm").build())
                .addOption(Option.builder().longOpt("length").hasArg().argName("N").desc("tokens per sequence (default 32)").build())
                .addOption(Option.builder().longOpt("variants").hasArg().argName("V,...")
                        .desc("float (the suite's runtime), float-nd4j (ND4J ops only), int8 (the suite's int8 of the"
                                + " float model), shipped-int8 (the int8 file the encoder's artifact ships); default"
                                + " float,int8,shipped-int8").build())
                .addOption(Option.builder().longOpt("batches").hasArg().argName("N,...").desc("default 1,32,256").build())
                .addOption(Option.builder().longOpt("seconds").hasArg().argName("S")
                        .desc("time spent measuring each batch size (default 10)").build())
                .addOption(Option.builder("o").longOpt("output").hasArg().argName("DIR")
                        .desc("run folder for encoder-speed.json (default runs/bench-encoder)").build());
    }

    @Override
    public int run(CommandLine cl) {
        PretrainedEncoder pe = PretrainedEncoder.get(cl.getOptionValue("teacher", "minilm"));
        int length = Cli.intOpt(cl, "length", 32, 2);
        double seconds = Cli.doubleOpt(cl, "seconds", 10, 0.1);
        List<Long> batches = Cli.longList(cl, "batches", "1,32,256", 1);
        DataHome home = Cli.dataHome(cl);
        pe.ensure(home);
        if (pe == PretrainedEncoder.MINILM_Q) {
            throw new UsageException("--teacher minilm-q is an int8 file: give the float encoder (minilm), whose"
                    + " shipped int8 file is the variant shipped-int8");
        }
        PretrainedEncoder sibling = pe.quantisedSibling();
        List<String> variants = List.of(cl.getOptionValue("variants", sibling == null ? "float,int8"
                : "float,int8,shipped-int8").split(","));
        for (String v : variants) {
            if (!List.of("float", "float-nd4j", "int8", "shipped-int8").contains(v)) {
                throw new UsageException("--variants: unknown variant '" + v + "' (float, float-nd4j, int8,"
                        + " shipped-int8)");
            }
            if (v.equals("shipped-int8") && sibling == null) {
                throw new UsageException("--variants shipped-int8: " + pe.name() + " ships no int8 file");
            }
        }
        BertEncoder floatEnc = BertEncoder.read(pe.model(home));
        if (length > floatEnc.maxPositions()) {
            throw new UsageException("--length " + length + " is over the encoder's " + floatEnc.maxPositions()
                    + " positions");
        }
        java.nio.file.Path out = Cli.output(cl, "runs/bench-encoder");
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("command", Cli.commandLine(name(), cl));
        r.put("model", pe.coordinates());
        r.put("runtime", org.jvmcompress.core.runtime.Backend.describe());
        r.put("length", length);
        for (String v : variants) {
            BertEncoder enc;
            String how;
            if (v.equals("float-nd4j")) {
                enc = floatEnc;
                how = "float32, ND4J ops only (BertEncoder as read)";
            } else if (v.equals("float")) {
                enc = Encoders.onOneDnn(floatEnc);
                how = "float32: " + Encoders.runtime();
            } else if (v.equals("int8")) {
                enc = Encoders.quantize(floatEnc);
                how = "the suite's int8 of the float model: " + Encoders.runtime();
            } else {
                sibling.ensure(home);
                enc = Encoders.onOneDnn(BertEncoder.read(sibling.model(home)));
                how = sibling.coordinates() + " run by the suite: " + Encoders.runtime();
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("runtime", how);
            System.out.println(v + ": " + how);
            Random rnd = new Random(1);
            for (long bl : batches) {
                int b = Math.toIntExact(bl);
                long[][] ids = new long[b][length];
                long[][] mask = new long[b][length];
                for (int i = 0; i < b; i++) {
                    for (int t = 0; t < length; t++) {
                        ids[i][t] = 1000 + rnd.nextInt(enc.vocabularySize() - 1000);
                        mask[i][t] = 1;
                    }
                }
                enc.hidden(ids, mask);
                enc.hidden(ids, mask);
                int runs = 0;
                long start = System.nanoTime();
                long limit = (long) (seconds * 1e9);
                while (System.nanoTime() - start < limit || runs < 3) {
                    enc.hidden(ids, mask);
                    runs++;
                }
                double sec = (System.nanoTime() - start) / 1e9;
                double ms = 1000 * sec / runs;
                m.put("b" + b + "_ms_per_batch", ms);
                m.put("b" + b + "_sequences_per_s", b * runs / sec);
                System.out.printf(Locale.ROOT, "  batch %d x %d tokens: %.2f ms per batch, %.1f sequences/s%n", b,
                        length, ms, b * runs / sec);
            }
            r.put(v, m);
        }
        Json.writeFile(out.resolve("encoder-speed.json"), r);
        System.out.println("wrote " + out.resolve("encoder-speed.json"));
        return 0;
    }
}
