package org.jvmcompress.distill;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.util.AtomicFiles;
import org.jvmcompress.core.util.Json;

/**
 * Tuning of the temperature and alpha of a plan's loss: short runs over a grid, each on the training split, judged
 * on the validation split (never the test split); {@code tuning.json} and {@code tuning.md} go into the run folder.
 */
public final class Tuning {
    /** The values to try; a side not given keeps the plan's own value. */
    public record Grid(List<Double> temperatures, List<Double> alphas) {
        /** "temperature=T1,T2,...;alpha=A1,A2,..." (either part may be left out). */
        public static Grid parse(String spec, OfflineDistiller.Method m) {
            List<Double> ts = List.of(m.temperature());
            List<Double> as = List.of(m.alpha());
            for (String part : spec.split(";")) {
                String[] kv = part.split("=", 2);
                String key = kv[0].trim();
                if (kv.length != 2 || !(key.equals("temperature") || key.equals("alpha"))) {
                    throw new CompressionException("--tune takes 'temperature=T1,T2,...;alpha=A1,A2,...', got '" + part
                            + "'");
                }
                List<Double> vals = new ArrayList<>();
                for (String v : kv[1].split(",")) {
                    try {
                        vals.add(Double.parseDouble(v.trim()));
                    } catch (NumberFormatException e) {
                        throw new CompressionException("--tune values must be numbers, got '" + v + "'");
                    }
                }
                if (key.equals("temperature")) {
                    ts = vals;
                } else {
                    as = vals;
                }
            }
            return new Grid(ts, as);
        }
    }

    private Tuning() {}

    /** Runs the grid for {@code epochs} epochs each; returns the plan with the pair of best validation accuracy. */
    public static Distillation.Plan best(Distillation.Plan plan, Grid grid, int epochs, List<LoadedModel> teachers,
                                         Task task, TaskData data, TrainConfig c, Path out, Path cacheDir,
                                         String command) {
        List<Map<String, Object>> rows = new ArrayList<>();
        Distillation.Plan best = plan;
        double bestAcc = -1;
        StringBuilder md = new StringBuilder("# Temperature and alpha on the validation split\n\n" + epochs
                + " epochs each; " + command + "\n\n| temperature | alpha | validation accuracy |\n|---|---|---|\n");
        for (double t : grid.temperatures()) {
            for (double a : grid.alphas()) {
                OfflineDistiller.Method m = new OfflineDistiller.Method(plan.method().loss(), t, a, plan.method().beta());
                Distillation.Plan p = plan.withMethod(m);
                Path dir = out.resolve("tune").resolve("T" + t + "-alpha" + a);
                System.err.printf(Locale.ROOT, "tuning: temperature %s, alpha %s%n", t, a);
                Distillation.Result r = Distillation.run(p, teachers, task, data,
                        c.withEpochs(epochs).withPatience(epochs), dir, dir.resolve("student.zip"), cacheDir, null);
                double acc = r.outcome().state().bestValidationAccuracy();
                rows.add(Map.of("temperature", t, "alpha", a, "validationAccuracy", acc));
                md.append(String.format(Locale.ROOT, "| %s | %s | %.4f |%n", t, a, acc));
                if (acc > bestAcc) {
                    bestAcc = acc;
                    best = p;
                }
            }
        }
        md.append(String.format(Locale.ROOT, "%nChosen: temperature %s, alpha %s.%n", best.method().temperature(),
                best.method().alpha()));
        Json.writeFile(out.resolve("tuning.json"), Map.of("epochs", epochs, "runs", rows, "chosen",
                Map.of("temperature", best.method().temperature(), "alpha", best.method().alpha())));
        AtomicFiles.writeString(out.resolve("tuning.md"), md.toString());
        System.err.print(md);
        return best;
    }
}
