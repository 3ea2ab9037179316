package org.jvmcompress.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.runtime.Backend;
import org.slf4j.LoggerFactory;

/** Entry point of {@code bin/compression}: dispatches to a subcommand; exit code 0 on success, non-zero on error. */
public final class Main {
    static final Map<String, Command> COMMANDS = new LinkedHashMap<>();

    static {
        add(new RunCommand());
        add(new DataCommand());
        add(new TrainTeacherCommand());
        add(new EvaluateCommand());
        add(new DistillCommand());
        add(new BenchDistillCommand());
        add(new QuantizeCommand());
        add(new BenchQuantizeCommand());
        add(new BenchCommand());
        add(new ReportCommand());
        add(new SearchCommand());
        add(new BenchSearchCommand());
        add(new DistillEmbeddingsCommand());
        add(new BenchEncoderCommand());
        add(new ProbeEncoderCommand());
        add(new QuantizeEncoderCommand());
    }

    private Main() {}

    private static void add(Command c) {
        COMMANDS.put(c.name(), c);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (2: usage error, 1: failure). */
    public static int run(String... args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            usage();
            return args.length == 0 ? 2 : 0;
        }
        Command cmd = COMMANDS.get(args[0]);
        if (cmd == null) {
            System.err.println("error: unknown command '" + args[0] + "'; known commands: "
                    + String.join(", ", COMMANDS.keySet()));
            return 2;
        }
        Options opts = withCommon(cmd.options());
        String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        if (java.util.Arrays.asList(rest).contains("--help") || java.util.Arrays.asList(rest).contains("-h")) {
            help(cmd, opts);
            return 0;
        }
        CommandLine cl;
        try {
            cl = new DefaultParser().parse(opts, rest);
        } catch (ParseException e) {
            System.err.println("error: " + e.getMessage() + " (see: compression " + cmd.name() + " --help)");
            return 2;
        }
        if (cl.hasOption("help")) {
            help(cmd, opts);
            return 0;
        }
        setVerbose(cl.hasOption("verbose"));
        try {
            Backend.init();
            // a command's --data-dir holds for that command only (tests run several in one process)
            System.clearProperty(org.jvmcompress.core.data.DataHome.PROPERTY);
            return cmd.run(cl);
        } catch (UsageException e) {
            System.err.println("error: " + e.getMessage() + " (see: compression " + cmd.name() + " --help)");
            return 2;
        } catch (CompressionException e) {
            System.err.println("error: " + e.getMessage());
            if (cl.hasOption("verbose")) {
                e.printStackTrace();
            }
            return 1;
        } catch (Exception e) {
            System.err.println("error: " + e);
            if (cl.hasOption("verbose")) {
                e.printStackTrace();
            }
            return 1;
        } finally {
            org.jvmcompress.core.util.RunFolder.releaseAll();
        }
    }

    static Options withCommon(Options o) {
        o.addOption(Option.builder("h").longOpt("help").desc("show this help").build());
        o.addOption(Option.builder("v").longOpt("verbose").desc("log progress of the suite and libraries").build());
        if (!o.hasLongOption("seed")) {
            o.addOption(Option.builder().longOpt("seed").hasArg().argName("N").desc("random seed (default 42)").build());
        }
        if (!o.hasLongOption("output")) {
            o.addOption(Option.builder("o").longOpt("output").hasArg().argName("DIR")
                    .desc("run folder; everything this command writes goes under it").build());
        }
        if (!o.hasLongOption("data-dir")) {
            o.addOption(Option.builder().longOpt("data-dir").hasArg().argName("DIR")
                    .desc("data cache folder (default $COMPRESSION_DATA_DIR or ~/.cache/jvm-compression/data)").build());
        }
        return o;
    }

    static void setVerbose(boolean verbose) {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(verbose ? Level.INFO : Level.WARN);
    }

    static void usage() {
        StringBuilder sb = new StringBuilder();
        sb.append("usage: compression <command> [options]   (compression <command> --help for its options)\n\n");
        sb.append("commands:\n");
        for (Command c : COMMANDS.values()) {
            sb.append(String.format("  %-14s %s%n", c.name(), c.summary()));
        }
        System.out.print(sb);
    }

    static void help(Command cmd, Options opts) {
        HelpFormatter f = new HelpFormatter();
        PrintWriter pw = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        f.printHelp(pw, 100, "compression " + cmd.name() + " [options]", cmd.summary(), opts, 2, 2, "", false);
        pw.flush();
    }
}
