package org.jvmcompress.cli;

import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.pipeline.Pipeline;
import org.jvmcompress.pipeline.RunConfig;

/** {@code run}: the whole job from one JSON config, or the built-in default. */
final class RunCommand implements Command {
    @Override
    public String name() {
        return "run";
    }

    @Override
    public String summary() {
        return "run the pipeline of a JSON config (default: a short Fashion-MNIST teacher vs student run); resumable";
    }

    @Override
    public Options options() {
        return new Options().addOption(Option.builder("c").longOpt("config").hasArg().argName("FILE")
                        .desc("run config JSON (default: built in; print it with --show-default)").build())
                .addOption(Option.builder().longOpt("show-default").desc("print the built-in config and exit").build());
    }

    @Override
    public int run(CommandLine cl) {
        if (cl.hasOption("show-default")) {
            System.out.print(Json.write(RunConfig.defaults()));
            return 0;
        }
        RunConfig c = cl.hasOption("config")
                ? Json.read(Path.of(cl.getOptionValue("config")), RunConfig.class, "run config")
                : RunConfig.defaults();
        if (cl.hasOption("seed")) {
            c = new RunConfig(c.schema(), c.task(), Cli.seed(cl), c.trainLimit(), c.teacher(), c.student(), c.quantize());
        }
        Path out = Cli.output(cl, "runs/default");
        new Pipeline(c, out, Cli.dataHome(cl)).run();
        System.out.print(readSummary(out));
        System.err.println("run folder: " + out);
        return 0;
    }

    private static String readSummary(Path out) {
        try {
            return java.nio.file.Files.readString(out.resolve("summary.md"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
