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

/**
 * {@code bench-encoder}: inference speed of a pretrained transformer encoder in the suite's runtime, at given batch
 * sizes and one sequence length (token ids drawn at random from the vocabulary, every position real), for comparison
 * with the peer script {@code bench/text/minilm_peer.py} run in the same sitting.
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
        BertEncoder enc = BertEncoder.read(pe.model(home));
        if (length > enc.maxPositions()) {
            throw new UsageException("--length " + length + " is over the encoder's " + enc.maxPositions() + " positions");
        }
        java.nio.file.Path out = Cli.output(cl, "runs/bench-encoder");
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("command", Cli.commandLine(name(), cl));
        r.put("model", pe.coordinates());
        r.put("runtime", "suite: ND4J ops (BertEncoder), " + org.jvmcompress.core.runtime.Backend.describe());
        r.put("length", length);
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
            double s = (System.nanoTime() - start) / 1e9;
            double ms = 1000 * s / runs;
            r.put("b" + b + "_ms_per_batch", ms);
            r.put("b" + b + "_sequences_per_s", b * runs / s);
            System.out.printf(Locale.ROOT, "batch %d x %d tokens: %.2f ms per batch, %.1f sequences/s%n", b, length, ms,
                    b * runs / s);
        }
        Json.writeFile(out.resolve("encoder-speed.json"), r);
        System.out.println("wrote " + out.resolve("encoder-speed.json"));
        return 0;
    }
}
