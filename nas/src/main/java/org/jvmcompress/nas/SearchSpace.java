package org.jvmcompress.nas;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.task.SearchNets;

/**
 * The architectures a search may propose, as {@link SearchNets} specs: choices per gene, random points, one-gene
 * mutations and a grid. {@link #cv}/{@link #nlp} derive the bounds from a teacher's size; every choice list can be
 * given instead (the search config). Every proposal is checked to build a valid network for the task's input before
 * it is returned (an invalid one is redrawn; {@link #invalid} says why a given spec is invalid).
 */
public sealed interface SearchSpace extends java.io.Serializable permits SearchSpace.Cv, SearchSpace.Nlp {
    String random(Random r);

    String mutate(String spec, Random r);

    /** Every point, in a fixed order (for grid search), up to {@code max}. */
    List<String> grid(int max);

    /** Why the spec cannot be a network for the task's input, or null. */
    String invalid(String spec);

    /** The choices, for the record. */
    String describe();

    /** The space as a fixed list of genes, each a list of choices (for Arbiter's generators). */
    List<List<Object>> genes();

    /** The spec of one choice per gene, in {@link #genes()} order. */
    String fromGenes(List<Object> values);

    /** Image networks: stages, blocks per stage, channels, kernel, block type, batch norm, head. */
    record Cv(int[] stages, int[] blocks, int[] channels, int[] kernels, List<String> types, int[] bn, int[] heads,
              int height, int width) implements SearchSpace {
        public Cv {
            for (String t : types) {
                if (!SearchNets.BLOCKS.contains(t)) {
                    throw new CompressionException("search space: block type " + t + " (known: " + SearchNets.BLOCKS + ")");
                }
            }
        }

        @Override
        public String random(Random r) {
            for (int tries = 0; tries < 1000; tries++) {
                int s = pick(stages, r);
                int[] c = new int[s];
                int[] b = new int[s];
                for (int i = 0; i < s; i++) {
                    c[i] = pick(channels, r);
                    b[i] = pick(blocks, r);
                }
                String spec = new SearchNets.CvNet(c, b, pick(kernels, r), types.get(r.nextInt(types.size())),
                        pick(bn, r) == 1, pick(heads, r)).toString();
                if (invalid(spec) == null) {
                    return spec;
                }
            }
            throw new CompressionException("search space has no valid network for " + height + "x" + width + " images");
        }

        @Override
        public String mutate(String spec, Random r) {
            SearchNets.CvNet n = SearchNets.parseCv(spec);
            for (int tries = 0; tries < 100; tries++) {
                int[] c = n.channels().clone();
                int[] b = n.blocks().clone();
                int k = n.kernel();
                String t = n.block();
                boolean norm = n.bn();
                int h = n.head();
                switch (r.nextInt(6)) {
                    case 0 -> { // stages
                        int s = pick(stages, r);
                        c = Arrays.copyOf(c, s);
                        b = Arrays.copyOf(b, s);
                        for (int i = n.channels().length; i < s; i++) {
                            c[i] = c[i - 1];
                            b[i] = b[i - 1];
                        }
                    }
                    case 1 -> c[r.nextInt(c.length)] = pick(channels, r);
                    case 2 -> b[r.nextInt(b.length)] = pick(blocks, r);
                    case 3 -> k = pick(kernels, r);
                    case 4 -> {
                        t = types.get(r.nextInt(types.size()));
                        norm = pick(bn, r) == 1;
                    }
                    default -> h = pick(heads, r);
                }
                String child = new SearchNets.CvNet(c, b, k, t, norm, h).toString();
                if (!child.equals(spec) && invalid(child) == null) {
                    return child;
                }
            }
            return random(r);
        }

        @Override
        public List<String> grid(int max) {
            List<String> out = new ArrayList<>();
            for (int s : stages) {
                for (int ch : channels) {
                    for (int bl : blocks) {
                        for (int k : kernels) {
                            for (String t : types) {
                                for (int norm : bn) {
                                    for (int h : heads) {
                                        int[] c = new int[s];
                                        int[] b = new int[s];
                                        for (int i = 0; i < s; i++) {
                                            c[i] = ch * (1 << i); // widths double per stage on the grid
                                            b[i] = bl;
                                        }
                                        String spec = new SearchNets.CvNet(c, b, k, t, norm == 1, h).toString();
                                        if (invalid(spec) == null) {
                                            out.add(spec);
                                            if (out.size() >= max) {
                                                return out;
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return out;
        }

        @Override
        public String invalid(String spec) {
            try {
                return SearchNets.parseCv(spec).invalidFor(height, width);
            } catch (CompressionException e) {
                return e.getMessage();
            }
        }

        @Override
        public List<List<Object>> genes() {
            List<List<Object>> g = new ArrayList<>();
            g.add(boxed(stages));
            int most = Arrays.stream(stages).max().orElse(1);
            for (int i = 0; i < most; i++) {
                g.add(boxed(channels));
                g.add(boxed(blocks));
            }
            g.add(boxed(kernels));
            g.add(new ArrayList<>(types));
            g.add(boxed(bn));
            g.add(boxed(heads));
            return g;
        }

        @Override
        public String fromGenes(List<Object> v) {
            int s = (Integer) v.get(0);
            int[] c = new int[s];
            int[] b = new int[s];
            for (int i = 0; i < s; i++) {
                c[i] = (Integer) v.get(1 + 2 * i);
                b[i] = (Integer) v.get(2 + 2 * i);
            }
            int n = v.size();
            return new SearchNets.CvNet(c, b, (Integer) v.get(n - 4), (String) v.get(n - 3), (Integer) v.get(n - 2) == 1,
                    (Integer) v.get(n - 1)).toString();
        }

        @Override
        public String describe() {
            return "stages " + Arrays.toString(stages) + ", blocks " + Arrays.toString(blocks) + ", channels "
                    + Arrays.toString(channels) + ", kernels " + Arrays.toString(kernels) + ", types " + types
                    + ", batch norm " + Arrays.toString(bn) + ", head " + Arrays.toString(heads);
        }
    }

    /** Text networks: embedding size, encoder, hidden size, layers. */
    record Nlp(int[] embeddings, List<String> encoders, int[] hidden, int[] layers) implements SearchSpace {
        public Nlp {
            for (String e : encoders) {
                if (!SearchNets.ENCODERS.contains(e)) {
                    throw new CompressionException("search space: encoder " + e + " (known: " + SearchNets.ENCODERS + ")");
                }
            }
        }

        private String make(int e, String enc, int h, int l) {
            return new SearchNets.NlpNet(e, enc, h, enc.equals("mean") ? 1 : l).toString();
        }

        @Override
        public String random(Random r) {
            return make(pick(embeddings, r), encoders.get(r.nextInt(encoders.size())), pick(hidden, r), pick(layers, r));
        }

        @Override
        public String mutate(String spec, Random r) {
            SearchNets.NlpNet n = SearchNets.parseNlp(spec);
            for (int tries = 0; tries < 100; tries++) {
                String child = switch (r.nextInt(4)) {
                    case 0 -> make(pick(embeddings, r), n.encoder(), n.hidden(), n.layers());
                    case 1 -> make(n.embedding(), encoders.get(r.nextInt(encoders.size())), n.hidden(), n.layers());
                    case 2 -> make(n.embedding(), n.encoder(), pick(hidden, r), n.layers());
                    default -> make(n.embedding(), n.encoder(), n.hidden(), pick(layers, r));
                };
                if (!child.equals(spec)) {
                    return child;
                }
            }
            return random(r);
        }

        @Override
        public List<String> grid(int max) {
            List<String> out = new ArrayList<>();
            for (String enc : encoders) {
                for (int e : embeddings) {
                    for (int h : hidden) {
                        for (int l : enc.equals("mean") ? new int[] {1} : layers) {
                            out.add(make(e, enc, h, l));
                            if (out.size() >= max) {
                                return out;
                            }
                        }
                    }
                }
            }
            return out;
        }

        @Override
        public String invalid(String spec) {
            try {
                SearchNets.parseNlp(spec);
                return null;
            } catch (CompressionException e) {
                return e.getMessage();
            }
        }

        @Override
        public List<List<Object>> genes() {
            return List.of(boxed(embeddings), new ArrayList<>(encoders), boxed(hidden), boxed(layers));
        }

        @Override
        public String fromGenes(List<Object> v) {
            return make((Integer) v.get(0), (String) v.get(1), (Integer) v.get(2), (Integer) v.get(3));
        }

        @Override
        public String describe() {
            return "embeddings " + Arrays.toString(embeddings) + ", encoders " + encoders + ", hidden "
                    + Arrays.toString(hidden) + ", layers " + Arrays.toString(layers);
        }
    }

    private static List<Object> boxed(int[] v) {
        List<Object> out = new ArrayList<>();
        for (int x : v) {
            out.add(x);
        }
        return out;
    }

    private static int pick(int[] choices, Random r) {
        return choices[r.nextInt(choices.length)];
    }

    /**
     * The default image space for a teacher whose widest convolution has {@code teacherWidth} channels, with
     * {@code teacherStages} stages and a {@code teacherHead}-wide head: up to one stage more, channels from 1/16 to
     * 1/2 of the teacher's, heads up to the teacher's.
     */
    static Cv cv(int teacherWidth, int teacherStages, int teacherHead, int height, int width) {
        List<Integer> ch = new ArrayList<>();
        for (int c = Math.max(4, teacherWidth / 16); c <= Math.max(8, teacherWidth / 2); c *= 2) {
            ch.add(c);
            if (c * 3 / 2 <= teacherWidth / 2) {
                ch.add(c * 3 / 2);
            }
        }
        int[] heads = {0, Math.max(16, teacherHead / 8), Math.max(32, teacherHead / 4)};
        int[] st = new int[teacherStages + 1];
        for (int i = 0; i < st.length; i++) {
            st[i] = i + 1;
        }
        return new Cv(st, new int[] {1, 2}, ch.stream().mapToInt(Integer::intValue).sorted().toArray(), new int[] {3, 5},
                SearchNets.BLOCKS, new int[] {0, 1}, heads, height, width);
    }

    /**
     * The encoders of the default text space: those its recorded searches (docs/results/nas.json) ran over; the
     * transformer is searched when a space names it.
     */
    static final List<String> DEFAULT_ENCODERS = List.of("mean", "cnn", "lstm", "bilstm", "attn");

    /** The default text space for a teacher with a {@code teacherEmbedding}-wide embedding. */
    static Nlp nlp(int teacherEmbedding, int teacherHidden) {
        return new Nlp(new int[] {Math.max(8, teacherEmbedding / 8), Math.max(16, teacherEmbedding / 4),
            Math.max(32, teacherEmbedding / 2)}, DEFAULT_ENCODERS,
                new int[] {Math.max(8, teacherHidden / 8), Math.max(16, teacherHidden / 4), Math.max(32, teacherHidden / 2)},
                new int[] {1, 2});
    }
}
