package org.jvmcompress.nas;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;
import org.deeplearning4j.arbiter.optimize.generator.BaseCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.GeneticSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.deeplearning4j.arbiter.optimize.parameter.discrete.DiscreteParameterSpace;

/**
 * Arbiter 1.0.0-beta7's random, grid and genetic candidate generators over a {@link SearchSpace} (one discrete
 * Arbiter parameter per gene), scored by the proxy accuracy (maximised; pruned and failed candidates score 0). A
 * generator is seeded by the sweep seed; when the sweep resumes, a new generator is replayed through the finished
 * candidates (drawn and reported in the same order) before it proposes, so it continues where it stopped.
 */
final class ArbiterStrategy implements Strategy {
    /** Arbiter's generators as strategies: arbiter-random, arbiter-grid, arbiter-genetic. */
    public static final class Factory implements Strategy.Factory {
        @Override
        public List<String> names() {
            return List.of("arbiter-random", "arbiter-grid", "arbiter-genetic");
        }

        @Override
        public Strategy create(String name, Strategy.Settings s) {
            return new ArbiterStrategy(name.substring("arbiter-".length()), s.seed(), s.parallel());
        }
    }

    private final String kind;
    private final long seed;
    private final int parallel;
    private BaseCandidateGenerator<?> gen;
    private final List<org.deeplearning4j.arbiter.optimize.api.Candidate<?>> drawn = new ArrayList<>();
    private int reported;
    private SearchSpace builtFor;

    ArbiterStrategy(String kind, long seed, int parallel) {
        this.kind = kind;
        this.seed = seed;
        this.parallel = parallel;
    }

    @Override
    public String name() {
        return "arbiter-" + kind;
    }

    /** One discrete Arbiter parameter per gene; the value is the spec. */
    static final class Genome implements ParameterSpace<String> {
        private final SearchSpace space;
        private final List<DiscreteParameterSpace<Object>> leaves = new ArrayList<>();

        Genome(SearchSpace space) {
            this.space = space;
            for (List<Object> choices : space.genes()) {
                leaves.add(new DiscreteParameterSpace<>(choices.toArray()));
            }
        }

        @Override
        public String getValue(double[] v) {
            List<Object> values = new ArrayList<>();
            for (DiscreteParameterSpace<Object> l : leaves) {
                values.add(l.getValue(v));
            }
            return space.fromGenes(values);
        }

        @Override
        public int numParameters() {
            return leaves.size();
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        public List<ParameterSpace> collectLeaves() {
            return new ArrayList<>(leaves);
        }

        @Override
        @SuppressWarnings("rawtypes")
        public Map<String, ParameterSpace> getNestedSpaces() {
            return Collections.emptyMap();
        }

        @Override
        public boolean isLeaf() {
            return false;
        }

        @Override
        public void setIndices(int... indices) {
            throw new UnsupportedOperationException("not a leaf");
        }
    }

    /** The proxy accuracy, maximised (Arbiter asks a score function only for its direction). */
    static final class Maximise implements ScoreFunction {
        @Override
        public double score(Object model, org.deeplearning4j.arbiter.optimize.api.data.DataProvider d,
                            Map<String, Object> p) {
            throw new UnsupportedOperationException("scores come from the sweep");
        }

        @Override
        public double score(Object model,
                            Class<? extends org.deeplearning4j.arbiter.optimize.api.data.DataSource> d,
                            java.util.Properties p) {
            throw new UnsupportedOperationException("scores come from the sweep");
        }

        @Override
        public boolean minimize() {
            return false;
        }

        @Override
        public List<Class<?>> getSupportedModelTypes() {
            return List.of(Object.class);
        }

        @Override
        public List<Class<?>> getSupportedDataTypes() {
            return List.of(Object.class);
        }
    }

    private org.apache.commons.math3.random.RandomGenerator rng(int stream) {
        org.apache.commons.math3.random.JDKRandomGenerator g = new org.apache.commons.math3.random.JDKRandomGenerator();
        g.setSeed(31 * seed + stream);
        return new org.apache.commons.math3.random.SynchronizedRandomGenerator(g);
    }

    private void reset(SearchSpace space) {
        Genome g = new Genome(space);
        gen = switch (kind) {
            case "random" -> new RandomSearchGenerator(g, null);
            case "grid" -> new GridSearchCandidateGenerator(g, 4, GridSearchCandidateGenerator.Mode.Sequential, null);
            case "genetic" -> {
                // Every random choice of the genetic operators from generators seeded here (their defaults are not).
                org.deeplearning4j.arbiter.optimize.generator.genetic.crossover.SinglePointCrossover crossover =
                        new org.deeplearning4j.arbiter.optimize.generator.genetic.crossover.SinglePointCrossover.Builder()
                                .randomGenerator(rng(1))
                                .parentSelection(new org.deeplearning4j.arbiter.optimize.generator.genetic.crossover
                                        .parentselection.RandomTwoParentSelection(rng(2)))
                                .build();
                yield new GeneticSearchCandidateGenerator.Builder(g, new Maximise())
                        .selectionOperator(new org.deeplearning4j.arbiter.optimize.generator.genetic.selection
                                .GeneticSelectionOperator.Builder().randomGenerator(rng(3)).crossoverOperator(crossover)
                                .mutationOperator(new org.deeplearning4j.arbiter.optimize.generator.genetic.mutation
                                        .RandomMutationOperator.Builder().randomGenerator(rng(4)).build())
                                .build())
                        .build();
            }
            default -> throw new IllegalArgumentException(kind);
        };
        gen.setRngSeed(seed);
        drawn.clear();
        reported = 0;
        builtFor = space;
    }

    @Override
    public synchronized Optional<String> propose(int index, List<Candidate> history, SearchSpace space, Random r) {
        if (gen == null || builtFor != space || drawn.size() > index || reported > history.size()) {
            reset(space);
        }
        // Replay what a run of the same seed did: candidate j was drawn once the history held the candidates
        // before its round, (j / parallel) * parallel of them, all reported first.
        for (int j = drawn.size(); j < index; j++) {
            reportUpTo(history, Math.min(history.size(), j / parallel * parallel));
            if (!gen.hasMoreCandidates()) {
                return Optional.empty();
            }
            drawn.add(gen.getCandidate());
        }
        reportUpTo(history, history.size());
        if (!gen.hasMoreCandidates()) {
            return Optional.empty();
        }
        org.deeplearning4j.arbiter.optimize.api.Candidate<?> c = gen.getCandidate();
        drawn.add(c);
        return Optional.of((String) c.getValue());
    }

    private void reportUpTo(List<Candidate> history, int n) {
        while (reported < n) {
            Candidate c = history.get(reported);
            gen.reportResults(new OptimizationResult(drawn.get(reported), c.ok() ? c.acc() : 0.0, reported, null, null,
                    null));
            reported++;
        }
    }
}
