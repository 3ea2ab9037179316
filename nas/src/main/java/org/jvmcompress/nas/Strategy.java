package org.jvmcompress.nas;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.jvmcompress.core.CompressionException;

/**
 * How the next architecture is chosen from what the sweep has seen. A proposal depends only on the history and the
 * random generator the sweep gives (seeded by the sweep seed and the candidate's index), so that a resumed sweep
 * proposes what an uninterrupted one would have.
 */
public interface Strategy {
    String name();

    /**
     * The spec of candidate {@code index}, or empty when the strategy has nothing more to propose.
     *
     * @param history the candidates finished before this one's round
     */
    Optional<String> propose(int index, List<Candidate> history, SearchSpace space, Random r);

    /** What a strategy is made from: the sweep's settings. */
    record Settings(int population, int sample, int gridMax, long seed, int parallel) {}

    /**
     * Makes strategies by name; found through {@link java.util.ServiceLoader} ({@code META-INF/services/
     * org.jvmcompress.nas.Strategy$Factory}). A new strategy is one class and one line there.
     */
    interface Factory {
        List<String> names();

        Strategy create(String name, Settings s);
    }

    /** The suite's own strategies: random, grid, evolution. */
    final class Builtin implements Factory {
        @Override
        public List<String> names() {
            return List.of("random", "grid", "evolution");
        }

        @Override
        public Strategy create(String name, Settings s) {
            return switch (name) {
                case "random" -> new RandomSearch();
                case "grid" -> new Grid(s.gridMax());
                default -> new AgingEvolution(s.population(), s.sample());
            };
        }
    }

    org.jvmcompress.core.util.Registry<Factory> FACTORIES = org.jvmcompress.core.util.Registry.loadNamed(
            Factory.class, Factory::names, "search strategy");

    List<String> NAMES = FACTORIES.names();

    static Strategy of(String name, int population, int sample, int gridMax) {
        return of(name, population, sample, gridMax, 42, 1);
    }

    /**
     * @param seed     seeds Arbiter's generators (the other strategies take the sweep's generator per candidate)
     * @param parallel the sweep's round size (Arbiter's generators replay rounds on resume)
     */
    static Strategy of(String name, int population, int sample, int gridMax, long seed, int parallel) {
        return FACTORIES.get(name).create(name, new Settings(population, sample, gridMax, seed, parallel));
    }

    /** Uniform random points of the space. */
    final class RandomSearch implements Strategy {
        @Override
        public String name() {
            return "random";
        }

        @Override
        public Optional<String> propose(int index, List<Candidate> history, SearchSpace space, Random r) {
            return Optional.of(space.random(r));
        }
    }

    /** The space's grid in order (widths doubling per stage), one point per candidate. */
    final class Grid implements Strategy {
        private final int max;

        Grid(int max) {
            this.max = max;
        }

        @Override
        public String name() {
            return "grid";
        }

        private SearchSpace gridOf;
        private List<String> grid;

        @Override
        public synchronized Optional<String> propose(int index, List<Candidate> history, SearchSpace space, Random r) {
            if (grid == null || gridOf != space) { // enumerated once per space, not per candidate
                grid = space.grid(max);
                gridOf = space;
            }
            return index < grid.size() ? Optional.of(grid.get(index)) : Optional.empty();
        }
    }

    /**
     * Regularised (aging) evolution (Real et al., 2019), multi-objective: the population is the last
     * {@code population} scored candidates (the oldest leave first); a parent is drawn as the most accurate of the
     * members of a random sample of {@code sample} that no other sampled member dominates on accuracy, parameters,
     * bytes and latency; the child differs from it in one gene. Random points until the population is full.
     */
    final class AgingEvolution implements Strategy {
        private final int population;
        private final int sample;

        AgingEvolution(int population, int sample) {
            if (population < 2 || sample < 1 || sample > population) {
                throw new CompressionException("evolution needs population >= 2 and 1 <= sample <= population, got "
                        + population + "/" + sample);
            }
            this.population = population;
            this.sample = sample;
        }

        @Override
        public String name() {
            return "evolution";
        }

        @Override
        public Optional<String> propose(int index, List<Candidate> history, SearchSpace space, Random r) {
            List<Candidate> ok = history.stream().filter(Candidate::ok).toList();
            if (ok.size() < population) {
                return Optional.of(space.random(r));
            }
            List<Candidate> pop = ok.subList(ok.size() - population, ok.size());
            List<Candidate> drawn = new ArrayList<>();
            for (int i = 0; i < sample; i++) {
                drawn.add(pop.get(r.nextInt(pop.size())));
            }
            Candidate parent = drawn.stream().filter(c -> drawn.stream().noneMatch(o -> o.dominates(c)))
                    .max(Comparator.comparingDouble(Candidate::acc)).orElse(drawn.get(0));
            return Optional.of(space.mutate(parent.spec(), r));
        }
    }
}
