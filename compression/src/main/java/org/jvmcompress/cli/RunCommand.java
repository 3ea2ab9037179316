package org.jvmcompress.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.pipeline.Pipeline;
import org.jvmcompress.pipeline.RunConfig;

/** {@code run}: the whole job (teacher, distill, quantize, evaluate, report) from one JSON config or a preset. */
final class RunCommand implements Command {
    @Override
    public String name() {
        return "run";
    }

    @Override
    public String summary() {
        return "run teacher -> distill -> quantize -> evaluate -> report from a JSON config or a preset (default"
                + " cv-quick); resumable";
    }

    @Override
    public Options options() {
        return Cli.withDataOptions(new Options().addOption(Option.builder().longOpt("teacher").hasArg().argName("FILE")
                        .desc("your trained model (DL4J zip, Keras .keras/.h5, ONNX): runs the default pipeline on it and"
                                + " its data (--data, or what its sidecar records) without a config file").build())
                .addOption(Option.builder("c").longOpt("config").hasArg().argName("FILE")
                        .desc("run config JSON (schema " + RunConfig.SCHEMA + "; print an example with --show-preset)")
                        .build())
                .addOption(Option.builder().longOpt("preset").hasArg().argName("NAME")
                        .desc("built-in run: " + String.join(", ", RunConfig.PRESETS) + " (default cv-quick)").build())
                .addOption(Option.builder().longOpt("show-preset").hasArg().argName("NAME")
                        .desc("print a preset's config and exit").build())
                .addOption(Option.builder().longOpt("dry-run")
                        .desc("check the config (files, data, constraints) and print the plan; writes nothing").build()));
    }

    @Override
    public int run(CommandLine cl) {
        if (cl.hasOption("show-preset")) {
            System.out.print(Json.write(RunConfig.preset(cl.getOptionValue("show-preset"))));
            return 0;
        }
        if (cl.hasOption("config") && cl.hasOption("preset")) {
            throw new CompressionException("give --config or --preset, not both");
        }
        String preset = cl.getOptionValue("preset", "cv-quick");
        boolean dataOptions = cl.hasOption("data") || cl.hasOption("test-data") || cl.hasOption("labels")
                || cl.hasOption("task");
        if ((cl.hasOption("teacher") || dataOptions) && (cl.hasOption("config") || cl.hasOption("preset"))) {
            throw new UsageException("--teacher and the data options make a run without a config; with --config"
                    + " put them in its 'teacher' and 'data' sections (--preset runs the built-in data)");
        }
        if (dataOptions && !cl.hasOption("teacher")) {
            throw new CompressionException("the data options need --teacher MODEL (or a --config whose 'data' section"
                    + " names the data)");
        }
        RunConfig c;
        if (cl.hasOption("teacher")) {
            org.jvmcompress.core.task.DataRequest r = Cli.dataRequest(cl, false);
            RunConfig.Data d = new RunConfig.Data(r.data() == null ? null : r.data().toString(),
                    r.testData() == null ? null : r.testData().toString(), r.labels(),
                    r.imageSize() == null ? null : r.imageSize()[0] + "x" + r.imageSize()[1], r.channels(), r.maxLength(),
                    r.resize() ? true : null);
            c = RunConfig.forModel(cl.getOptionValue("teacher"), r.namesFiles() ? d : null);
            if (cl.hasOption("task")) {
                c = new RunConfig(c.schema(), cl.getOptionValue("task"), c.seed(), c.trainLimit(), c.teacher(),
                        c.search(), c.distill(), c.quantize(), c.evaluate(), c.report(), c.constraints(), c.data());
            }
        } else {
            c = cl.hasOption("config") ? RunConfig.read(Path.of(cl.getOptionValue("config"))) : RunConfig.preset(preset);
        }
        if (cl.hasOption("seed")) {
            c = c.withSeed(Cli.seed(cl));
        }
        Path out = Cli.output(cl, cl.hasOption("config") || cl.hasOption("teacher") ? "runs/run" : "runs/" + preset);
        Pipeline p = new Pipeline(c, out, Cli.dataHome(cl));
        if (cl.hasOption("dry-run")) {
            p.plan().forEach(System.out::println);
            return 0;
        }
        List<Path> files = p.run();
        Path md = out.resolve("report.md");
        if (Files.isRegularFile(md)) {
            System.out.print(ReportCommand.summary(md));
        }
        System.err.println("run folder: " + out);
        files.forEach(f -> System.err.println("  " + f));
        return 0;
    }
}
