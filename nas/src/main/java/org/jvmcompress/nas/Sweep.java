package org.jvmcompress.nas;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.core.util.ProgressBar;

/**
 * A resumable architecture search. Every finished candidate is appended to {@code candidates.jsonl} (one JSON object
 * per line, flushed to disk) before the next is counted; started again on the same folder, the sweep reads that file
 * and goes on from it, so no finished candidate is lost or repeated (a line cut short by a kill is dropped and its
 * candidate run again). Candidates are proposed in rounds of {@code parallel}, each from the history before the
 * round and a generator seeded by the sweep seed and the candidate's index, and evaluated side by side; results
 * are appended in index order. So a sweep killed and resumed proposes, and finds, what an uninterrupted one with the
 * same seed does. Hard constraints (parameters, bytes, latency at batch 1) prune a candidate before it is trained;
 * parameters and latency are measured once per architecture ({@code profiles.json}).
 */
public final class Sweep {
    /** What trains and scores a candidate (filled by the distillation engine): proxy accuracy and bytes on disk. */
    public interface Scorer {
        Score score(String spec, int index);
    }

    public record Score(double acc, long bytes) {}

    /** Parameters and latency at batch 1 of an architecture, without training it. */
    public interface Profiler {
        Profile profile(String spec);
    }

    public record Profile(long params, double b1Ms) {}

    /**
     * How a sweep's scorer and profiler are made where a candidate runs: on a Spark executor the recipe travels in the
     * task (so it holds paths and settings, not models or data) and is built once per executor process.
     */
    public interface Recipe extends java.io.Serializable {
        Scorer scorer();

        Profiler profiler();
    }

    /** Evaluates one candidate (index, spec) to its record; serialisable so that it can travel to a Spark executor. */
    public interface Evaluator extends java.io.Serializable {
        Candidate evaluate(int index, String spec);
    }

    /**
     * Evaluates a round of candidates side by side and hands their records to {@code done} in the order of the
     * indices, each as soon as it and those before it are finished (so that they reach the state file before a
     * later candidate's failure ends the sweep).
     */
    public interface Fanout extends AutoCloseable {
        void evaluate(List<Integer> indices, List<String> specs, Evaluator evaluator,
                      java.util.function.Consumer<Candidate> done);

        /** A short description for the log ("2 threads", "Spark local[2]"). */
        String describe();

        @Override
        default void close() {}
    }

    /** Threads in this process, at most {@code parallel} candidates at a time. */
    public static Fanout threads(int parallel) {
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        return new Fanout() {
            @Override
            public void evaluate(List<Integer> indices, List<String> specs, Evaluator evaluator,
                                 java.util.function.Consumer<Candidate> done) {
                List<Future<Candidate>> futures = new ArrayList<>();
                for (int j = 0; j < specs.size(); j++) {
                    int index = indices.get(j);
                    String spec = specs.get(j);
                    futures.add(pool.submit(() -> evaluator.evaluate(index, spec)));
                }
                for (Future<Candidate> f : futures) {
                    try {
                        done.accept(f.get());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new CompressionException("search interrupted", e);
                    } catch (java.util.concurrent.ExecutionException e) {
                        throw e.getCause() instanceof RuntimeException re ? re
                                : new CompressionException("search candidate failed: " + e.getCause(), e.getCause());
                    }
                }
            }

            @Override
            public String describe() {
                return parallel + (parallel == 1 ? " thread" : " threads");
            }

            @Override
            public void close() {
                pool.shutdownNow();
            }
        };
    }

    /**
     * What a remote task runs: the recipe's scorer and profiler (built once per process and kept), the space's
     * validity check and the hard constraints.
     */
    public record RemoteEvaluator(SearchSpace space, String strategy, Constraints constraints, Recipe recipe)
            implements Evaluator {
        /** A recipe's scorer and profiler in this process, and the profiles measured with it. */
        private record Built(Scorer scorer, Profiler profiler, Map<String, Profile> profiles) {}

        private static final Map<Recipe, Built> BUILT = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public Candidate evaluate(int index, String spec) {
            Built b = BUILT.computeIfAbsent(recipe, r -> new Built(r.scorer(), r.profiler(),
                    new java.util.concurrent.ConcurrentHashMap<>()));
            return Sweep.evaluate(index, spec, space, strategy, constraints, b.scorer(), b.profiler(), b.profiles());
        }
    }

    public record Constraints(Long maxParams, Long maxBytes, Double maxLatencyMs) implements java.io.Serializable {
        public static final Constraints NONE = new Constraints(null, null, null);
    }

    /**
     * @param maxCandidates stop after this many candidates
     * @param maxSeconds    stop when the candidates' recorded time reaches this (0: no limit)
     * @param targetFront   stop when the Pareto front has this many members (0: no target)
     */
    public record Settings(int maxCandidates, double maxSeconds, int targetFront, int parallel, long seed,
                           Constraints constraints) {
        public Settings {
            if (maxCandidates < 1 || parallel < 1 || maxSeconds < 0 || targetFront < 0) {
                throw new CompressionException("search budget: max candidates and parallel >= 1, seconds and target"
                        + " front >= 0");
            }
        }
    }

    /** One JSON object per line (the shared mapper indents). */
    private static final com.fasterxml.jackson.databind.ObjectWriter LINE = Json.MAPPER.writer()
            .without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private final SearchSpace space;
    private final Strategy strategy;
    private final Settings settings;

    public Sweep(Path dir, SearchSpace space, Strategy strategy, Settings settings) {
        this.dir = dir;
        this.space = space;
        this.strategy = strategy;
        this.settings = settings;
    }

    public Path stateFile() {
        return dir.resolve("candidates.jsonl");
    }

    /** The finished candidates on disk (a cut last line is ignored). */
    public static List<Candidate> read(Path file) {
        List<Candidate> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i).strip();
                if (l.isEmpty()) {
                    continue;
                }
                try {
                    out.add(Json.MAPPER.readValue(l, Candidate.class));
                } catch (IOException e) {
                    if (i < lines.size() - 1) {
                        throw new CompressionException("sweep state " + file + " line " + (i + 1) + " is corrupt: "
                                + e.getMessage());
                    }
                }
            }
        } catch (IOException e) {
            throw new CompressionException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static Random rng(long seed, int index) {
        return new Random(seed * 1_000_003L + index);
    }

    /** Runs until a budget is spent, candidates on threads here; returns every candidate (earlier runs' first). */
    public List<Candidate> run(Scorer scorer, Profiler profiler) {
        Map<String, Profile> profiles = readProfiles();
        try (Fanout threads = threads(settings.parallel())) {
            return run(threads, (index, spec) -> evaluate(index, spec, space, strategy.name(),
                    settings.constraints(), scorer, profiler, profiles), profiles);
        }
    }

    /**
     * Runs until a budget is spent, each round's candidates evaluated by the fan-out (a Spark cluster): the recipe
     * travels to where candidates run; this process proposes them and owns the state file.
     */
    public List<Candidate> run(Fanout fanout, Recipe recipe) {
        return run(fanout, new RemoteEvaluator(space, strategy.name(), settings.constraints(), recipe),
                readProfiles());
    }

    private List<Candidate> run(Fanout fanout, Evaluator evaluator, Map<String, Profile> profiles) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CompressionException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        List<Candidate> history = read(stateFile());
        rewrite(history); // drops a line cut short by a kill
        // A time budget tighter than the candidate budget: the bar counts the candidates' seconds against it.
        boolean byTime = settings.maxSeconds() > 0 && settings.maxCandidates() >= 10_000;
        double[] spent = {history.stream().mapToDouble(Candidate::seconds).sum()};
        try (ProgressBar bar = byTime ? new ProgressBar("search " + strategy.name(), (long) Math.ceil(settings.maxSeconds()),
                "s of budget") : new ProgressBar("search " + strategy.name(), settings.maxCandidates(), "candidates")) {
            bar.resumed(byTime ? (long) spent[0] : history.size());
            while (!done(history)) {
                int start = history.size();
                // Rounds are aligned to multiples of `parallel`, also when a resumed sweep finishes a cut round: each
                // candidate is proposed from the history before its round.
                int roundStart = start / settings.parallel() * settings.parallel();
                int n = Math.min(roundStart + settings.parallel() - start, settings.maxCandidates() - start);
                List<Candidate> before = List.copyOf(history.subList(0, roundStart));
                List<String> specs = new ArrayList<>();
                for (int j = 0; j < n; j++) {
                    Optional<String> p = strategy.propose(start + j, before, space, rng(settings.seed(), start + j));
                    if (p.isEmpty()) {
                        break;
                    }
                    specs.add(p.get());
                }
                if (specs.isEmpty()) {
                    break;
                }
                List<Integer> indices = new ArrayList<>();
                for (int j = 0; j < specs.size(); j++) {
                    indices.add(start + j);
                }
                fanout.evaluate(indices, specs, evaluator, c -> {
                    if (c.b1Ms() != null) {
                        synchronized (profiles) {
                            profiles.putIfAbsent(c.spec(), new Profile(c.params(), c.b1Ms()));
                        }
                    }
                    append(c);
                    history.add(c);
                    Candidate best = history.stream().filter(Candidate::ok)
                            .max(java.util.Comparator.comparingDouble(Candidate::acc)).orElse(null);
                    if (best != null) {
                        bar.suffix(String.format(Locale.ROOT, "%sbest %.4f at %,d params, front %d",
                                byTime ? history.size() + " candidates, " : "", best.acc(), best.params(),
                                front(history).size()));
                    }
                    if (byTime) {
                        long was = (long) spent[0];
                        spent[0] += c.seconds();
                        bar.step((long) spent[0] - was);
                    } else {
                        bar.step(1);
                    }
                });
                writeProfiles(profiles);
            }
        }
        return history;
    }

    private boolean done(List<Candidate> history) {
        if (history.size() >= settings.maxCandidates()) {
            return true;
        }
        double spent = history.stream().mapToDouble(Candidate::seconds).sum();
        if (settings.maxSeconds() > 0 && spent >= settings.maxSeconds()) {
            return true;
        }
        return settings.targetFront() > 0 && front(history).size() >= settings.targetFront();
    }

    static Candidate evaluate(int index, String spec, SearchSpace space, String strategy, Constraints k,
                              Scorer scorer, Profiler profiler, Map<String, Profile> profiles) {
        long t0 = System.nanoTime();
        String why = space.invalid(spec);
        if (why != null) {
            return new Candidate(index, strategy, spec, "failed", why, 0, null, null, null, 0);
        }
        Profile p;
        synchronized (profiles) {
            p = profiles.get(spec);
        }
        if (p == null) {
            p = profiler.profile(spec);
            synchronized (profiles) {
                profiles.put(spec, p);
            }
        }
        String pruned = null;
        if (k.maxParams() != null && p.params() > k.maxParams()) {
            pruned = String.format(Locale.ROOT, "%,d parameters > max %,d", p.params(), k.maxParams());
        } else if (k.maxBytes() != null && 4 * p.params() > k.maxBytes()) {
            pruned = String.format(Locale.ROOT, "about %,d bytes (4 per parameter) > max %,d", 4 * p.params(),
                    k.maxBytes());
        } else if (k.maxLatencyMs() != null && p.b1Ms() > k.maxLatencyMs()) {
            pruned = String.format(Locale.ROOT, "%.3f ms at batch 1 > max %.3f", p.b1Ms(), k.maxLatencyMs());
        }
        if (pruned != null) {
            return new Candidate(index, strategy, spec, "pruned", pruned, p.params(), null, p.b1Ms(), null, 0);
        }
        try {
            Score s = scorer.score(spec, index);
            return new Candidate(index, strategy, spec, "ok", null, p.params(), s.bytes(), p.b1Ms(), s.acc(),
                    (System.nanoTime() - t0) / 1e9);
        } catch (CompressionException e) {
            return new Candidate(index, strategy, spec, "failed", e.getMessage(), p.params(), null, p.b1Ms(),
                    null, (System.nanoTime() - t0) / 1e9);
        }
    }

    /** The scored candidates no other scored candidate dominates (accuracy, parameters, bytes, latency). */
    public static List<Candidate> front(List<Candidate> all) {
        List<Candidate> ok = all.stream().filter(Candidate::ok).toList();
        List<Candidate> out = new ArrayList<>();
        Map<String, Candidate> bySpec = new LinkedHashMap<>();
        for (Candidate c : ok) {
            if (ok.stream().noneMatch(o -> o.dominates(c))) {
                bySpec.putIfAbsent(c.spec(), c);
            }
        }
        out.addAll(bySpec.values());
        out.sort(java.util.Comparator.comparingLong(Candidate::params));
        return out;
    }

    private synchronized void append(Candidate c) {
        try (FileChannel ch = FileChannel.open(stateFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ch.write(java.nio.ByteBuffer.wrap((LINE.writeValueAsString(c) + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        } catch (IOException e) {
            throw new CompressionException("cannot write " + stateFile() + ": " + e.getMessage(), e);
        }
    }

    private void rewrite(List<Candidate> history) {
        StringBuilder sb = new StringBuilder();
        for (Candidate c : history) {
            try {
                sb.append(LINE.writeValueAsString(c)).append('\n');
            } catch (IOException e) {
                throw new CompressionException(e.getMessage(), e);
            }
        }
        if (!history.isEmpty() || Files.exists(stateFile())) {
            org.jvmcompress.core.util.AtomicFiles.writeString(stateFile(), sb.toString());
        }
    }

    private Map<String, Profile> readProfiles() {
        Path f = dir.resolve("profiles.json");
        Map<String, Profile> m = new HashMap<>();
        if (Files.isRegularFile(f)) {
            try {
                Json.MAPPER.readTree(f.toFile()).fields().forEachRemaining(e -> m.put(e.getKey(),
                        new Profile(e.getValue().path("params").asLong(), e.getValue().path("b1Ms").asDouble())));
            } catch (IOException e) {
                throw new CompressionException("cannot read " + f + ": " + e.getMessage(), e);
            }
        }
        return m;
    }

    private void writeProfiles(Map<String, Profile> profiles) {
        synchronized (profiles) {
            Json.writeFile(dir.resolve("profiles.json"), new java.util.TreeMap<>(profiles));
        }
    }
}
