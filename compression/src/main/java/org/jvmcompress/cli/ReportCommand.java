package org.jvmcompress.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.reports.Report;

/** {@code report}: renders a run's report again from its records, or several runs side by side. */
final class ReportCommand implements Command {
    @Override
    public String name() {
        return "report";
    }

    @Override
    public String summary() {
        return "render report.json/.md/.html and models.csv from a run folder's records; --compare puts runs side by side";
    }

    @Override
    public Options options() {
        return new Options().addOption(Option.builder().longOpt("run").hasArg().argName("DIR")
                        .desc("run folder to report on (written into it)").build())
                .addOption(Option.builder().longOpt("compare").hasArgs().argName("DIR...")
                        .desc("two or more run folders to compare; the report goes to --output").build());
    }

    @Override
    public int run(CommandLine cl) {
        List<Path> files;
        if (cl.hasOption("compare")) {
            List<Path> runs = new ArrayList<>();
            for (String d : cl.getOptionValues("compare")) {
                runs.add(Path.of(d));
            }
            if (cl.hasOption("run")) {
                runs.add(0, Path.of(cl.getOptionValue("run")));
            }
            if (runs.size() < 2) {
                throw new UsageException("--compare needs two or more run folders, got " + runs.size());
            }
            Report r = Report.compare(runs);
            Path out = Cli.output(cl, "runs/compare");
            create(out);
            files = r.write(out);
        } else if (cl.hasOption("run")) {
            Path run = Path.of(cl.getOptionValue("run"));
            files = Report.load(run).write(run);
        } else {
            throw new CompressionException("give --run DIR (or --compare DIR1 DIR2 ...)");
        }
        System.out.print(summary(files.get(1)));
        files.forEach(f -> System.err.println("wrote " + f));
        return 0;
    }

    private static void create(Path out) {
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new CompressionException("cannot create " + out + ": " + e.getMessage(), e);
        }
    }

    /** The summary table of a report.md (its lines up to the first blank line after the table). */
    static String summary(Path md) {
        try {
            StringBuilder sb = new StringBuilder();
            boolean in = false;
            for (String line : Files.readAllLines(md)) {
                if (line.startsWith("|")) {
                    in = true;
                    sb.append(line).append('\n');
                } else if (in) {
                    break;
                }
            }
            return sb.toString();
        } catch (IOException e) {
            throw new CompressionException("cannot read " + md + ": " + org.jvmcompress.core.util.IoReasons.of(e), e);
        }
    }
}
