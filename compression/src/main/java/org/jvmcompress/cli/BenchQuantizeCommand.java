package org.jvmcompress.cli;

import org.jvmcompress.core.task.Compatibility;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.jvmcompress.bench.QuantizationBenchmark;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.Models;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.Tasks;

/** {@code bench-quantize}: quantisation modes x models on the real data, a cell at a time, resumable. */
final class BenchQuantizeCommand implements Command {
    @Override
    public String name() {
        return "bench-quantize";
    }

    @Override
    public String summary() {
        return "quantisation modes x models on the real data (accuracy, bytes, throughput, latency); writes a JSON"
                + " and a Markdown table";
    }

    @Override
    public Options options() {
        return Cli.withDataOptions(new Options()
                .addOption(Option.builder().longOpt("models").hasArg().argName("ROLE=FILE,...")
                        .desc("models by role, e.g. teacher=models/reference/cv-teacher.zip,student=s.zip (default: the"
                                + " reference teachers and students under models/reference/)").build())
                .addOption(Option.builder().longOpt("modes").hasArg().argName("MODE,...")
                        .desc("default " + String.join(",", QuantizationBenchmark.MODES)).build())
                .addOption(Option.builder().longOpt("budget").hasArg().argName("POINTS")
                        .desc("mixed: accuracy points it may lose on the validation split (default 0.3)").build())
                .addOption(Option.builder().longOpt("no-speed")
                        .desc("skip speed while making cells (e.g. on a busy machine); measure later with --speed-pass").build())
                .addOption(Option.builder().longOpt("speed-pass")
                        .desc("only measure the speed of every finished cell again, in one sitting").build())
                .addOption(Option.builder().longOpt("results").hasArg().argName("FILE")
                        .desc("results JSON (and .md beside it); default <output>/quantization.json").build())
                .addOption(Option.builder().longOpt("cells").hasArg().argName("DIR")
                        .desc("finished cells' records; default quantization-cells/ beside the results").build()));
    }

    @Override
    public int run(CommandLine cl) {
        Map<String, Path> models = new LinkedHashMap<>();
        if (cl.hasOption("models")) {
            for (String kv : cl.getOptionValue("models").split(",")) {
                String[] p = kv.split("=", 2);
                if (p.length != 2) {
                    throw new UsageException("--models takes ROLE=FILE pairs, got '" + kv + "'");
                }
                models.put(p[0].trim(), Path.of(p[1].trim()));
            }
        } else {
            String home = System.getenv("COMPRESSION_HOME");
            Path ref = Path.of(home == null ? "." : home, "models", "reference");
            for (String t : List.of("cv", "nlp")) {
                for (String role : List.of("teacher", "student")) {
                    Path f = ref.resolve(t + "-" + role + ".zip");
                    if (Files.isRegularFile(f)) {
                        models.put(t + "-" + role, f);
                    }
                }
            }
        }
        List<String> modes = List.of(cl.getOptionValue("modes", String.join(",", QuantizationBenchmark.MODES)).split(","));
        double budget = Cli.doubleOpt(cl, "budget", 0.3) / 100;
        Path out = Cli.output(cl, "runs/bench-quantize");
        Path results = cl.hasOption("results") ? Path.of(cl.getOptionValue("results")) : out.resolve("quantization.json");
        Path cells = cl.hasOption("cells") ? Path.of(cl.getOptionValue("cells"))
                : results.toAbsolutePath().resolveSibling("quantization-cells");
        String command = Cli.commandLine(name(), cl);
        Map<String, TaskData> data = new LinkedHashMap<>();
        List<String> roles = new ArrayList<>(models.keySet());
        int total = roles.size() * modes.size();
        int n = 0;
        Map<String, LoadedModel> loaded = new LinkedHashMap<>();
        // A teacher and its student record the same data: read it once for both.
        Map<String, TaskData> byRecord = new java.util.HashMap<>();
        for (String key : roles) {
            LoadedModel m = Models.load(models.get(key));
            String same = m.info() == null ? null : m.info().task() + "|" + m.info().split() + "|"
                    + m.info().dataHash() + "|" + org.jvmcompress.core.util.Json.write(m.info().data());
            if (same != null && byRecord.containsKey(same)) {
                Compatibility.check(m, byRecord.get(same), "model " + m.path());
                loaded.put(key, m);
                data.put(key, byRecord.get(same));
                continue;
            }
            org.jvmcompress.core.task.ModelData.Resolved r = Cli.data(cl, m, "model", true, false);
            loaded.put(key, r.model());
            data.put(key, r.data());
            if (same != null) {
                byRecord.put(same, r.data());
            }
        }
        for (String key : roles) {
            LoadedModel m = loaded.get(key);
            if (m.info() == null) {
                throw new CompressionException("model " + m.path() + " has no sidecar naming its task");
            }
            Task task = Tasks.get(m.info().task());
            String role = key.startsWith(task.name() + "-") ? key.substring(task.name().length() + 1) : key;
            TaskData d = data.get(key);
            LoadedModel teacher = loaded.entrySet().stream()
                    .filter(e -> e.getValue().info() != null && e.getValue().info().task().equals(task.name())
                            && e.getKey().endsWith("teacher")).map(Map.Entry::getValue).findFirst().orElse(null);
            for (String mode : modes) {
                if (mode.trim().startsWith("quantized-student") && !role.equals("student")) {
                    continue;
                }
                n++;
                System.err.printf(Locale.ROOT, "cell %d/%d: %s %s %s%n", n, total, task.name(), role, mode);
                if (cl.hasOption("speed-pass")) {
                    continue;
                }
                QuantizationBenchmark.Cell c = QuantizationBenchmark.run(m, teacher, role, d, mode.trim(), budget, out,
                        cells, Cli.dataHome(cl).dir("teacher-outputs"), command, !cl.hasOption("no-speed"));
                System.err.printf(Locale.ROOT, "cell %d/%d: %s %s %s: accuracy %.4f, %,d bytes (%.2fx), %.0f samples/s"
                        + " at b256, %.2f ms at b1%n", n, total, task.name(), role, mode, c.acc(), c.bytes(), c.ratio(),
                        c.b256SamplesPerS(), c.b1Ms());
                QuantizationBenchmark.aggregate(cells, results, command);
            }
        }
        if (cl.hasOption("speed-pass")) {
            Map<String, TaskData> byTask = new LinkedHashMap<>();
            data.forEach((k, v) -> byTask.putIfAbsent(v.task(), v));
            QuantizationBenchmark.measureSpeeds(cells, byTask);
            QuantizationBenchmark.aggregate(cells, results, command);
        }
        System.out.println("results: " + results);
        return 0;
    }
}
