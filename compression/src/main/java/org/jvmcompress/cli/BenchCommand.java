package org.jvmcompress.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.jvmcompress.bench.SpeedBenchmark;
import org.jvmcompress.core.util.Json;

/**
 * {@code bench}: the reference speed benchmark ({@link SpeedBenchmark}); prints one line per figure with the PyTorch
 * peer's names ({@code cv.teacher_train_samples_per_s 123.4}) and writes them as JSON.
 */
final class BenchCommand implements Command {
    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "the reference speed benchmark of BENCHMARKS.md (same models and steps as the PyTorch peer)";
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(Option.builder().longOpt("json").hasArg().argName("FILE").desc("write the figures as JSON").build())
                .addOption(Option.builder().longOpt("reps").hasArg().argName("N")
                        .desc("timed repetitions per figure (default 10, as the peer)").build())
                .addOption(Option.builder().longOpt("tasks").hasArg().argName("cv,nlp,kd")
                        .desc("cv and nlp: the reference steps; kd: the real KD epoch (default all three; kd alone"
                                + " gives the peak memory of that run by itself)").build())
                .addOption(Option.builder().longOpt("kd-teacher").hasArg().argName("FILE")
                        .desc("teacher of the real KD epoch (default models/reference/cv-teacher.zip; figure left out"
                                + " when missing)").build())
                .addOption(Option.builder().longOpt("kd-batch").hasArg().argName("N")
                        .desc("batch size of the real KD epoch (default 128, the suite's distillation default)").build())
                .addOption(Option.builder().longOpt("output").hasArg().argName("DIR")
                        .desc("folder for the KD epoch's teacher outputs (default runs/bench)").build())
                .addOption(Option.builder().longOpt("data-dir").hasArg().argName("DIR").desc("data folder").build());
    }


    @Override
    public int run(CommandLine cl) {
        Map<String, Object> out = SpeedBenchmark.measure(new SpeedBenchmark.Settings(
                List.of(cl.getOptionValue("tasks", "cv,nlp,kd").split(",")), Cli.intOpt(cl, "reps", 10, 1),
                Path.of(cl.getOptionValue("kd-teacher", "models/reference/cv-teacher.zip")),
                Cli.intOpt(cl, "kd-batch", 128, 1), Path.of(cl.getOptionValue("output", "runs/bench")),
                Cli.dataHome(cl)));
        for (Map.Entry<String, Object> e : out.entrySet()) {
            System.out.println(e.getKey() + " " + (e.getValue() instanceof Double d
                    ? String.format(Locale.ROOT, "%.4g", d) : e.getValue()));
        }
        if (cl.hasOption("json")) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("backend", org.jvmcompress.core.runtime.Backend.describe());
            j.putAll(out);
            Json.writeFile(Path.of(cl.getOptionValue("json")), j);
        }
        return 0;
    }
}
