package org.jvmcompress.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * The class-incremental rows of a distillation table (cells whose details hold a {@code lifelong} record): the
 * average accuracy over the classes seen after each task, the forgetting per old task after the last, and a plot of
 * the first against the task, mean and spread over seeds.
 */
final class LifelongTable {
    private LifelongTable() {}

    @SuppressWarnings("unchecked")
    private static Map<String, Object> record(DistillBenchmark.Cell c) {
        return c.details() == null ? null : (Map<String, Object>) c.details().get("lifelong");
    }

    private static List<Double> numbers(Object o) {
        return ((List<?>) o).stream().map(v -> ((Number) v).doubleValue()).toList();
    }

    /** Mean and sample standard deviation. */
    private static double[] meanStd(List<Double> xs) {
        double m = xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double v = xs.stream().mapToDouble(x -> (x - m) * (x - m)).sum() / Math.max(1, xs.size() - 1);
        return new double[] {m, Math.sqrt(v)};
    }

    private static String pct(List<Double> xs) {
        double[] ms = meanStd(xs);
        return xs.size() > 1 ? String.format(Locale.ROOT, "%.1f ± %.1f", 100 * ms[0], 100 * ms[1])
                : String.format(Locale.ROOT, "%.1f", 100 * ms[0]);
    }

    /** The section (empty when no row is class-incremental); the plot goes to {@code png}, linked by file name. */
    static String markdown(List<Map.Entry<String, List<DistillBenchmark.Cell>>> rows, Path png) {
        List<Map.Entry<String, List<DistillBenchmark.Cell>>> ll = rows.stream()
                .filter(e -> e.getValue().stream().allMatch(c -> record(c) != null)).toList();
        if (ll.isEmpty()) {
            return "";
        }
        int tasks = numbers(record(ll.get(0).getValue().get(0)).get("averageAccuracy")).size();
        StringBuilder md = new StringBuilder("\n### Class-incremental learning\n\nThe classes arrive in " + tasks
                + " tasks of consecutive class numbers; after each task the student is tested on every class seen so"
                + " far (test accuracy, %, mean ± std over seeds). Forgetting of a task: its best accuracy after an"
                + " earlier step minus its accuracy after the last (Chaudhry et al. 2018), averaged over the tasks"
                + " before the last; learning: the accuracy of each task right after it was learnt, averaged. Rows \"nearest mean of"
                + " exemplars\" classify by iCaRL's rule (the closest class mean of normalised penultimate features over"
                + " the memory) instead of the network's output.\n\n"
                + "| method |");
        for (int t = 1; t <= tasks; t++) {
            md.append(" after task ").append(t).append(" |");
        }
        md.append(" forgetting | learning |\n|---|");
        md.append("---|".repeat(tasks + 2)).append("\n");
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        for (Map.Entry<String, List<DistillBenchmark.Cell>> e : ll) {
            md.append("| ").append(e.getKey()).append(" |");
            YIntervalSeries s = new YIntervalSeries(e.getKey());
            for (int t = 0; t < tasks; t++) {
                int step = t;
                List<Double> at = e.getValue().stream().map(c -> numbers(record(c).get("averageAccuracy")).get(step))
                        .toList();
                md.append(' ').append(pct(at)).append(" |");
                double[] ms = meanStd(at);
                s.add(t + 1, 100 * ms[0], 100 * (ms[0] - ms[1]), 100 * (ms[0] + ms[1]));
            }
            data.addSeries(s);
            List<Double> forgetting = e.getValue().stream()
                    .map(c -> ((Number) record(c).get("averageForgetting")).doubleValue()).toList();
            List<Double> learning = new ArrayList<>();
            for (DistillBenchmark.Cell c : e.getValue()) {
                List<?> byTask = (List<?>) record(c).get("accuracyByTask");
                double sum = 0;
                for (int t = 0; t < byTask.size(); t++) {
                    sum += numbers(byTask.get(t)).get(t);
                }
                learning.add(sum / byTask.size());
            }
            md.append(' ').append(pct(forgetting)).append(" | ").append(pct(learning)).append(" |\n");
            if (e.getValue().stream().allMatch(c -> record(c).get("nearestMeanAccuracy") != null)) {
                md.append("| ").append(e.getKey()).append(", nearest mean of exemplars |");
                for (int t = 0; t < tasks; t++) {
                    int step = t;
                    md.append(' ').append(pct(e.getValue().stream()
                            .map(c -> numbers(record(c).get("nearestMeanAccuracy")).get(step)).toList())).append(" |");
                }
                md.append(" | |\n");
            }
        }
        plot(data, tasks, png);
        md.append("\n![average accuracy over the classes seen, after each task](").append(png.getFileName())
                .append(")\n");
        return md.toString();
    }

    private static void plot(YIntervalSeriesCollection data, int tasks, Path png) {
        NumberAxis x = new NumberAxis("after task");
        x.setRange(0.8, tasks + 0.2);
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        NumberAxis y = new NumberAxis("test accuracy on the classes seen (%)");
        y.setRange(0, 100);
        XYLineAndShapeRenderer r = new org.jfree.chart.renderer.xy.XYErrorRenderer();
        r.setDefaultLinesVisible(true);
        Color[] palette = {new Color(0x7F7F7F), new Color(0x1F77B4), new Color(0xFF7F0E), new Color(0x9467BD),
                new Color(0x2CA02C), new Color(0xD62728)};
        for (int i = 0; i < data.getSeriesCount(); i++) {
            r.setSeriesStroke(i, new BasicStroke(2f));
            r.setSeriesPaint(i, palette[i % palette.length]);
        }
        XYPlot plot = new XYPlot(data, x, y, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart("Class-incremental Fashion-MNIST: accuracy on the classes seen",
                JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        Charts.save(chart, png, 900, 560);
    }
}
