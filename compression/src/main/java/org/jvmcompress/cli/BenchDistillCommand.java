package org.jvmcompress.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.jvmcompress.bench.DistillBenchmark;
import org.jvmcompress.distill.DistillRecipes;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.Models;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.Tasks;
import org.jvmcompress.core.task.TrainConfig;

/** {@code bench-distill}: distillation methods x seeds on the real data, resumable cell by cell. */
final class BenchDistillCommand implements Command {
    @Override
    public String name() {
        return "bench-distill";
    }

    @Override
    public String summary() {
        return "benchmark distillation methods x seeds on the real data (each finished cell kept; resumes)";
    }

    @Override
    public Options options() {
        return Cli.withDataOptions(new Options()
                .addOption(Option.builder().longOpt("teacher").hasArg().argName("FILE").required()
                        .desc("the teacher; its data (recorded in its sidecar, or --data) is the benchmark's").build())
                .addOption(Option.builder().longOpt("student").hasArg().argName("ARCH")
                        .desc("the students' architecture (default: the task's student, e.g. nlp-student)").build())
                .addOption(Option.builder().longOpt("table").hasArg().argName("NAME")
                        .desc("the results table the cells belong to (default: the task's name); a second"
                                + " teacher/student pair gets its own table beside the first").build())
                .addOption(Option.builder().longOpt("methods").hasArg().argName("LIST")
                        .desc("comma-separated methods (default: all of the task's)").build())
                .addOption(Option.builder().longOpt("seeds").hasArg().argName("LIST").desc("comma-separated seeds (default 1,2,3)").build())
                .addOption(Option.builder().longOpt("epochs").hasArg().argName("N")
                        .desc("student epochs (default: the task's schedule, cv 60, nlp 15)").build())
                .addOption(Option.builder().longOpt("train-limit").hasArg().argName("N").desc("first N training examples only").build())
                .addOption(Option.builder().longOpt("extra-teachers").hasArg().argName("FILE,...")
                        .desc("more teachers for the multi-teacher method (default: models/reference/<task>-teacher-2.zip"
                                + " when present)").build())
                .addOption(Option.builder().longOpt("results").hasArg().argName("FILE")
                        .desc("results JSON to write (and a .md beside it); default <output>/distillation.json").build())
                .addOption(Option.builder().longOpt("cells").hasArg().argName("DIR")
                        .desc("folder of the finished cells' records (commit it to fill a table across sessions);"
                                + " default: distillation-cells/ beside the results file").build())
                .addOption(Option.builder().longOpt("only-methods")
                        .desc("the results file gets only this table's --methods rows (a file of some methods, beside"
                                + " the whole tables; the cells are shared)").build())
                .addOption(Option.builder().longOpt("todo")
                        .desc("only list the cells (method seed) of --methods x --seeds still to run: without a"
                                + " record, or recorded with an earlier recipe, another teacher or student").build()));
    }

    @Override
    public int run(CommandLine cl) {
        LoadedModel loaded = Models.load(Path.of(cl.getOptionValue("teacher")));
        org.jvmcompress.core.task.ModelData.Resolved resolved = cl.hasOption("todo") ? null
                : Cli.data(cl, loaded, "teacher", true, false);
        LoadedModel teacher = resolved == null ? loaded : resolved.model();
        if (teacher.info() == null) {
            throw new CompressionException("teacher " + teacher.path() + " has no sidecar (.json)");
        }
        Task task = Tasks.get(teacher.info().task());
        List<String> methods = cl.hasOption("methods") ? List.of(cl.getOptionValue("methods").split(","))
                : List.copyOf(DistillRecipes.of(task.name()).keySet());
        methods.forEach(m -> DistillRecipes.get(task.name(), m));
        List<Long> seeds = Cli.longList(cl, "seeds", "1,2,3", Long.MIN_VALUE);
        TrainConfig d = task.defaultConfig();
        DistillRecipes.Schedule sch = DistillRecipes.schedule(task.name());
        String student = cl.hasOption("student") ? Tasks.checkArchitecture(task, cl.getOptionValue("student"))
                : task.studentArchitecture();
        String tableName = cl.getOptionValue("table", task.name());
        if (!tableName.matches("[A-Za-z0-9._-]+")) {
            throw new UsageException("--table takes letters, digits, '.', '_' and '-' (it names a folder), got '"
                    + tableName + "'");
        }
        List<Path> extraFiles = new ArrayList<>();
        if (cl.hasOption("extra-teachers")) {
            for (String f : cl.getOptionValue("extra-teachers").split(",")) {
                extraFiles.add(Path.of(f.trim()));
            }
        } else {
            String home = System.getenv("COMPRESSION_HOME");
            Path second = Path.of(home == null ? "." : home, "models", "reference", task.name() + "-teacher-2.zip");
            boolean builtin = resolved.data().source() != null && resolved.data().source().isBuiltin();
            if (!builtin) {
                System.err.println("note: the multi-teacher method has no second teacher for this data (the reference"
                        + " one is of the built-in set); name one with --extra-teachers");
            } else if (java.nio.file.Files.isRegularFile(second)) {
                extraFiles.add(second);
            }
        }
        for (Path f : extraFiles) {
            if (!java.nio.file.Files.isRegularFile(f)) {
                throw new CompressionException("extra teacher " + f + " is not a file");
            }
        }
        DistillBenchmark.Table table = DistillBenchmark.Table.of(tableName, task.name(),
                Path.of(cl.getOptionValue("teacher")), student, extraFiles);
        TrainConfig base = new TrainConfig(student, Cli.intOpt(cl, "epochs", sch.epochs(), 1),
                d.batchSize(), d.learningRate(), sch.lrDecay(), sch.patience(), d.l2(), 0,
                Cli.intOpt(cl, "train-limit", 0, 0));
        Path out = Cli.output(cl, "runs/bench-distill");
        Path results = cl.hasOption("results") ? Path.of(cl.getOptionValue("results")) : out.resolve("distillation.json");
        Path cells = cl.hasOption("cells") ? Path.of(cl.getOptionValue("cells"))
                : results.toAbsolutePath().resolveSibling("distillation-cells");
        if (cl.hasOption("todo")) {
            for (String m : methods) {
                for (long seed : seeds) {
                    if (!DistillBenchmark.isDone(cells, table, m, seed)) {
                        System.out.println(m + " " + seed);
                    }
                }
            }
            return 0;
        }
        List<LoadedModel> extra = new ArrayList<>();
        for (Path f : extraFiles) {
            extra.add(Models.load(f));
        }
        TaskData data = resolved.data();
        String command = Cli.commandLine(name(), cl);
        int total = methods.size() * seeds.size();
        int n = 0;
        for (String m : methods) {
            for (long seed : seeds) {
                n++;
                System.err.printf(Locale.ROOT, "cell %d/%d: %s %s seed %d%n", n, total, table.name(), m, seed);
                DistillBenchmark.Cell c = DistillBenchmark.run(table, teacher, extra, task, data, m, seed, base, out, cells,
                        Cli.dataHome(cl), command);
                System.err.printf(Locale.ROOT, "cell %d/%d: %s seed %d: test accuracy %.4f%n", n, total, m, seed, c.acc());
                if (cl.hasOption("only-methods")) {
                    DistillBenchmark.aggregate(cells, results, command, table.name(), methods);
                } else {
                    DistillBenchmark.aggregate(cells, results, command);
                }
            }
        }
        System.out.println("results: " + results);
        return 0;
    }
}
