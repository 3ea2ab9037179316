package org.jvmcompress.cli;

import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.DataHome;

/** Typed, validated access to common options. */
final class Cli {
    private Cli() {}

    static long seed(CommandLine cl) {
        return longOpt(cl, "seed", 42, Long.MIN_VALUE);
    }

    static DataHome dataHome(CommandLine cl) {
        String d = cl.getOptionValue("data-dir");
        if (d != null) {
            // what resolves the folder without the command line (an encoder a model's sidecar names) uses it too
            System.setProperty(DataHome.PROPERTY, Path.of(d).toAbsolutePath().toString());
        }
        return DataHome.resolve(d == null ? null : Path.of(d));
    }

    /**
     * The command's run folder, made and claimed now, before the command's work: a file or an unwritable folder is
     * refused at once, and so is a folder another command is writing. The claim ends with the command.
     */
    static Path output(CommandLine cl, String fallback) {
        Path out = Path.of(cl.getOptionValue("output", fallback)).toAbsolutePath().normalize();
        org.jvmcompress.core.util.RunFolder.claim(out);
        return out;
    }

    static int intOpt(CommandLine cl, String name, int fallback, int min) {
        return (int) longOpt(cl, name, fallback, min);
    }

    static long longOpt(CommandLine cl, String name, long fallback, long min) {
        String v = cl.getOptionValue(name);
        if (v == null) {
            return fallback;
        }
        long x;
        try {
            x = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be an integer, got '" + v + "'");
        }
        if (x < min) {
            throw new UsageException("--" + name + " must be at least " + min + ", got " + x);
        }
        return x;
    }

    /** A comma-separated list of integers, each at least {@code min}. */
    static java.util.List<Long> longList(CommandLine cl, String name, String fallback, long min) {
        java.util.List<Long> out = new java.util.ArrayList<>();
        for (String s : cl.getOptionValue(name, fallback).split(",")) {
            long x;
            try {
                x = Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " must be comma-separated integers, got '" + s + "'");
            }
            if (x < min) {
                throw new UsageException("--" + name + " must be at least " + min + ", got " + x);
            }
            out.add(x);
        }
        return out;
    }

    static double doubleOpt(CommandLine cl, String name, double fallback, double min) {
        double x = doubleOpt(cl, name, fallback);
        if (x < min) {
            throw new UsageException("--" + name + " must be at least " + min + ", got " + x);
        }
        return x;
    }

    static double doubleOpt(CommandLine cl, String name, double fallback) {
        String v = cl.getOptionValue(name);
        if (v == null) {
            return fallback;
        }
        try {
            double x = Double.parseDouble(v.trim());
            if (!Double.isFinite(x)) {
                throw new NumberFormatException();
            }
            return x;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, got '" + v + "'");
        }
    }

    /** The command line as typed, for provenance records. */
    static String commandLine(String command, CommandLine cl) {
        StringBuilder sb = new StringBuilder("bin/compression ").append(command);
        for (org.apache.commons.cli.Option o : cl.getOptions()) {
            sb.append(" --").append(o.getLongOpt());
            if (o.hasArg()) {
                sb.append(' ').append(o.getValue());
            }
        }
        for (String a : cl.getArgList()) {
            sb.append(' ').append(a);
        }
        return sb.toString();
    }

    /**
     * {@code distill}'s command line completed from a run config named by {@code --config} (schema 2, checked as
     * {@code run} checks it): its task, seed, teacher model, data and distill section, as
     * {@link org.jvmcompress.pipeline.RunConfig#distillOptions} gives them; options given on the command line win.
     */
    static CommandLine withConfig(CommandLine cl, org.apache.commons.cli.Options options) {
        String file = cl.getOptionValue("config");
        if (file == null) {
            return cl;
        }
        java.util.Map<String, java.util.List<String>> fromConfig = org.jvmcompress.pipeline.RunConfig
                .read(Path.of(file)).distillOptions();
        java.util.List<String> args = new java.util.ArrayList<>();
        for (org.apache.commons.cli.Option o : cl.getOptions()) {
            if (o.getLongOpt().equals("config")) {
                continue;
            }
            if (!o.hasArg()) {
                args.add("--" + o.getLongOpt());
                continue;
            }
            for (String v : o.getValues()) {
                args.add("--" + o.getLongOpt());
                args.add(v);
            }
        }
        fromConfig.forEach((key, values) -> {
            if (!cl.hasOption(key)) {
                if (values.isEmpty()) {
                    args.add("--" + key);
                }
                for (String v : values) {
                    args.add("--" + key);
                    args.add(v);
                }
            }
        });
        try {
            return new org.apache.commons.cli.DefaultParser().parse(options, args.toArray(new String[0]));
        } catch (org.apache.commons.cli.ParseException e) {
            throw new CompressionException("config " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The data options every command that trains, calibrates, evaluates, searches or benchmarks takes: the data to
     * use instead of the model's own, and how to read it for a model without a sidecar. {@code --task} is added unless
     * the command has its own.
     */
    static Options withDataOptions(Options o) {
        if (!o.hasLongOption("task")) {
            o.addOption(Option.builder("t").longOpt("task").hasArg().argName("TASK")
                    .desc("for a model without a sidecar: its task (cv, nlp); with no --data, that task's built-in data").build());
        }
        if (!o.hasLongOption("data")) {
            o.addOption(Option.builder().longOpt("data").hasArg().argName("PATH")
                    .desc("labelled data instead of the model's own (default: the data its sidecar records), split into"
                            + " train/validation (and test, 80/10/10, without --test-data) with the model's split seed."
                            + " Images: a folder per class (PNG/JPEG) or a folder with an IDX pair; text: .csv or .jsonl"
                            + " with text,label, or a folder per class of .txt").build());
        }
        return o.addOption(Option.builder().longOpt("test-data").hasArg().argName("PATH")
                        .desc("a separate labelled test set, same forms as --data").build())
                .addOption(Option.builder().longOpt("labels").hasArg().argName("A,B,...")
                        .desc("a model without a sidecar: its classes in output order (default: the sorted class names"
                                + " of the data)").build())
                .addOption(Option.builder().longOpt("image-size").hasArg().argName("HxW")
                        .desc("new image data: the height and width to read images at (default: their most common size)").build())
                .addOption(Option.builder().longOpt("channels").hasArg().argName("1|3")
                        .desc("new image data: grey (1) or colour (3) (default: colour when any image is)").build())
                .addOption(Option.builder().longOpt("max-length").hasArg().argName("N")
                        .desc("new text data: tokens per text (default: the 95th percentile of the training texts, 16-512)").build())
                .addOption(Option.builder().longOpt("resize")
                        .desc("images whose size or colour differs from the model's input may be resized and converted"
                                + " (refused otherwise)").build());
    }

    /** What the user named with the data options; {@code dataIsTest}: --data names a test set (evaluate). */
    static org.jvmcompress.core.task.DataRequest dataRequest(CommandLine cl, boolean dataIsTest) {
        Path data = cl.hasOption("data") ? Path.of(cl.getOptionValue("data")) : null;
        Path test = cl.hasOption("test-data") ? Path.of(cl.getOptionValue("test-data")) : null;
        if (dataIsTest && test == null) {
            test = data;
            data = null;
        }
        for (Path p : new Path[] {data, test}) {
            if (p != null && !java.nio.file.Files.exists(p)) {
                throw new CompressionException("data not found: " + p);
            }
        }
        java.util.List<String> labels = null;
        if (cl.hasOption("labels")) {
            labels = java.util.Arrays.stream(cl.getOptionValue("labels").split(",")).map(String::trim).toList();
            if (labels.size() < 2 || labels.stream().anyMatch(String::isEmpty) || new java.util.HashSet<>(labels).size()
                    != labels.size()) {
                throw new UsageException("--labels takes two or more distinct class names separated by commas,"
                        + " got '" + cl.getOptionValue("labels") + "'");
            }
        }
        int[] size = cl.hasOption("image-size")
                ? org.jvmcompress.core.task.DataRequest.parseSize(cl.getOptionValue("image-size"), "--image-size") : null;
        Integer channels = null;
        if (cl.hasOption("channels")) {
            channels = intOpt(cl, "channels", 1, 1);
            if (channels != 1 && channels != 3) {
                throw new UsageException("--channels takes 1 (grey) or 3 (colour), got " + channels);
            }
        }
        Integer maxLength = cl.hasOption("max-length") ? intOpt(cl, "max-length", 256, 4) : null;
        return new org.jvmcompress.core.task.DataRequest(cl.getOptionValue("task"), data, test, labels, size, channels,
                maxLength, cl.hasOption("resize"));
    }

    /** The model's data as the options say ({@link org.jvmcompress.core.task.ModelData#resolve}). */
    static org.jvmcompress.core.task.ModelData.Resolved data(CommandLine cl, org.jvmcompress.core.model.LoadedModel m,
                                                           String role, boolean training, boolean dataIsTest) {
        return org.jvmcompress.core.task.ModelData.resolve(m, dataRequest(cl, dataIsTest), dataHome(cl),
                seed(cl), role, training);
    }
}
