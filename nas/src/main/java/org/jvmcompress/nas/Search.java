package org.jvmcompress.nas;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.eval.Measure;
import org.jvmcompress.core.task.Task;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.util.Json;

/** The pieces of a search around a {@link Sweep}: spaces from a teacher, profiling, summaries. */
public final class Search {
    private Search() {}

    /** The default space, bounded by the teacher's size (its widest layer, its stages, its head). */
    public static SearchSpace spaceFor(String task, ComputationGraph teacher, long[] inputShape) {
        int widest = 0;
        int pools = 0;
        int head = 0;
        int emb = 0;
        if (teacher != null) {
            for (var v : teacher.getConfiguration().getVertices().values()) {
                if (v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv) {
                    var l = lv.getLayerConf().getLayer();
                    if (l instanceof ConvolutionLayer c) {
                        widest = Math.max(widest, (int) c.getNOut());
                    } else if (l instanceof SubsamplingLayer) {
                        pools++;
                    } else if (l instanceof EmbeddingSequenceLayer e) {
                        emb = (int) e.getNOut();
                    } else if (l instanceof DenseLayer d) {
                        head = Math.max(head, (int) d.getNOut());
                    } else if (l instanceof FeedForwardLayer f && !(l instanceof org.deeplearning4j.nn.conf.layers.BaseOutputLayer)) {
                        widest = Math.max(widest, (int) f.getNOut());
                    }
                }
            }
        }
        return switch (task) {
            case "cv" -> SearchSpace.cv(Math.max(widest, 32), Math.max(pools, 1), Math.max(head, 64),
                    (int) inputShape[1], (int) inputShape[2]);
            default -> {
                if (!org.jvmcompress.core.task.Tasks.isText(task)) {
                    throw new CompressionException("no search space for task " + task);
                }
                yield SearchSpace.nlp(Math.max(emb, 32), Math.max(widest, 64));
            }
        };
    }

    /** A search space from JSON (the form {@code search --show-space} prints). */
    public static SearchSpace readSpace(Path file, String task, long[] inputShape) {
        Class<? extends SearchSpace> type = task.equals("cv") ? SearchSpace.Cv.class : SearchSpace.Nlp.class;
        SearchSpace s = Json.read(file, type, "search space");
        if (s instanceof SearchSpace.Cv cv && (cv.height() != inputShape[1] || cv.width() != inputShape[2])) {
            return new SearchSpace.Cv(cv.stages(), cv.blocks(), cv.channels(), cv.kernels(), cv.types(), cv.bn(),
                    cv.heads(), (int) inputShape[1], (int) inputShape[2]);
        }
        return s;
    }

    /** Parameters and the median latency at batch 1 of an untrained network of the spec. */
    public static Sweep.Profile profile(Task task, TaskData data, String spec, long seed) {
        ComputationGraph g = task.build(spec, data, new TrainConfig(spec, 1, 32, 1e-3, 1, 1, 0, seed, 0));
        Measure.Speed s = Measure.speed(g, data.inputShape(), "tokens".equals(data.input()),
                data.vocabulary() == null ? 0 : data.vocabulary().size(), 50, 1, 0);
        return new Sweep.Profile(g.numParams(), s.p50Ms());
    }

    /**
     * The front's members worth a full distillation when at most {@code max} can be afforded ({@code max} <= 0: all of
     * them): those on the accuracy / parameters front (not beaten on both by another member), all of them when they are
     * few, else first the most accurate member within each of {@code caps} parameters (what a target asks about), then
     * members spread evenly from the smallest to the most accurate, then the most accurate left. In order of parameters.
     */
    public static List<Candidate> retrainChoice(List<Candidate> front, int max, long... caps) {
        if (max <= 0) {
            return front;
        }
        List<Candidate> two = front.stream()
                .filter(c -> front.stream().noneMatch(o -> o.acc() >= c.acc() && o.params() <= c.params()
                        && (o.acc() > c.acc() || o.params() < c.params())))
                .sorted(java.util.Comparator.comparingLong(Candidate::params)).toList();
        if (two.size() <= max) {
            return two;
        }
        java.util.LinkedHashSet<Candidate> pick = new java.util.LinkedHashSet<>();
        for (long cap : caps) { // along this front accuracy grows with parameters: the last one within the cap
            two.stream().filter(c -> c.params() <= cap).reduce((a, b) -> b).ifPresent(c -> {
                if (pick.size() < max) {
                    pick.add(c);
                }
            });
        }
        for (int k = 0; k < max && pick.size() < max; k++) {
            pick.add(two.get(max == 1 ? two.size() - 1 : (int) Math.round(k * (two.size() - 1.0) / (max - 1))));
        }
        for (int i = two.size() - 1; i >= 0 && pick.size() < max; i--) {
            pick.add(two.get(i));
        }
        return pick.stream().sorted(java.util.Comparator.comparingLong(Candidate::params)).toList();
    }

    /** Spearman's rank correlation (Commons Math: average ranks for ties); NaN under two pairs or a constant side. */
    public static double spearman(double[] a, double[] b) {
        if (a.length != b.length || a.length < 2) {
            return Double.NaN;
        }
        return new org.apache.commons.math3.stat.correlation.SpearmansCorrelation().correlation(a, b);
    }

    /** The sweep's result in the shape of docs/results/nas.json's strategy entries. */
    public static Map<String, Object> summary(String task, String strategy, List<Candidate> all, List<Candidate> front,
                                              Sweep.Settings s, SearchSpace space) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", task);
        m.put("strategy", strategy);
        m.put("space", space.describe());
        m.put("budget_s", s.maxSeconds());
        m.put("spent_s", all.stream().mapToDouble(Candidate::seconds).sum());
        m.put("candidates", all.size());
        m.put("scored", all.stream().filter(Candidate::ok).count());
        m.put("pruned", all.stream().filter(c -> c.status().equals("pruned")).count());
        m.put("failed", all.stream().filter(c -> c.status().equals("failed")).count());
        List<Map<String, Object>> f = new ArrayList<>();
        for (Candidate c : front) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("acc", c.acc());
            e.put("params", c.params());
            e.put("bytes", c.bytes());
            e.put("b1_ms", c.b1Ms());
            e.put("arch", c.spec());
            e.put("index", c.index());
            f.add(e);
        }
        m.put("front", f);
        return m;
    }

    public static String markdown(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "# Search: %s, %s%n%n%s candidates (%s scored,"
                        + " %s pruned, %s failed) in %.0f s. Space: %s%n%n", r.get("task"), r.get("strategy"),
                r.get("candidates"), r.get("scored"), r.get("pruned"), r.get("failed"),
                ((Number) r.get("spent_s")).doubleValue(), r.get("space")));
        sb.append("| # | proxy accuracy | params | bytes | b1 ms | architecture |\n|---|---|---|---|---|---|\n");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> front = (List<Map<String, Object>>) r.get("front");
        for (Map<String, Object> e : front) {
            sb.append(String.format(Locale.ROOT, "| %s | %.4f | %,d | %,d | %.3f | `%s` |%n", e.get("index"),
                    ((Number) e.get("acc")).doubleValue(), ((Number) e.get("params")).longValue(),
                    ((Number) e.get("bytes")).longValue(), ((Number) e.get("b1_ms")).doubleValue(), e.get("arch")));
        }
        if (r.containsKey("retrained")) {
            sb.append("\nFront members distilled on all the training data:\n\n| # | proxy accuracy | test accuracy |"
                    + " params | architecture |\n|---|---|---|---|---|\n");
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> full = (List<Map<String, Object>>) r.get("retrained");
            for (Map<String, Object> e : full) {
                sb.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %,d | `%s` |%n", e.get("index"),
                        ((Number) e.get("proxy_acc")).doubleValue(), ((Number) e.get("test_acc")).doubleValue(),
                        ((Number) e.get("params")).longValue(), e.get("arch")));
            }
            sb.append(String.format(Locale.ROOT, "%nSpearman rank correlation of proxy and full accuracy: %.3f%n",
                    ((Number) r.get("spearman_proxy_vs_full")).doubleValue()));
        }
        return sb.toString();
    }
}
