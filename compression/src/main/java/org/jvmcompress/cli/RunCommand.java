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
        return new Options().addOption(Option.builder("c").longOpt("config").hasArg().argName("FILE")
                        .desc("run config JSON (schema " + RunConfig.SCHEMA + "; print an example with --show-preset)")
                        .build())
                .addOption(Option.builder().longOpt("preset").hasArg().argName("NAME")
                        .desc("built-in run: " + String.join(", ", RunConfig.PRESETS) + " (default cv-quick)").build())
                .addOption(Option.builder().longOpt("show-preset").hasArg().argName("NAME")
                        .desc("print a preset's config and exit").build())
                .addOption(Option.builder().longOpt("dry-run")
                        .desc("check the config (files, data, constraints) and print the plan; writes nothing").build());
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
        RunConfig c = cl.hasOption("config") ? RunConfig.read(Path.of(cl.getOptionValue("config")))
                : RunConfig.preset(preset);
        if (cl.hasOption("seed")) {
            c = c.withSeed(Cli.seed(cl));
        }
        Path out = Cli.output(cl, cl.hasOption("config") ? "runs/run" : "runs/" + preset);
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
