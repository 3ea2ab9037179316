package org.jvmcompress.core.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jvmcompress.core.CompressionException;

/**
 * Token ids for a text model: id 0 pads, id 1 stands for every unknown token, then the most frequent training
 * tokens (ties broken alphabetically, so the vocabulary is a pure function of the training texts). Saved with the
 * model as its token list.
 */
public final class Vocabulary {
    public static final String PAD = "<pad>";
    public static final String UNK = "<unk>";
    public static final int PAD_ID = 0;
    public static final int UNK_ID = 1;

    private final List<String> tokens;
    private final Map<String, Integer> ids;

    public Vocabulary(List<String> tokens) {
        if (tokens.size() < 2 || !PAD.equals(tokens.get(0)) || !UNK.equals(tokens.get(1))) {
            throw new CompressionException("a vocabulary must start with " + PAD + " and " + UNK);
        }
        this.tokens = List.copyOf(tokens);
        this.ids = new HashMap<>(tokens.size() * 2);
        for (int i = 0; i < tokens.size(); i++) {
            if (ids.put(tokens.get(i), i) != null) {
                throw new CompressionException("vocabulary lists token '" + tokens.get(i) + "' twice");
            }
        }
    }

    /** The {@code maxSize - 2} most frequent tokens of the texts, after the two special ones. */
    public static Vocabulary fit(List<String> texts, int maxSize) {
        if (maxSize < 3) {
            throw new CompressionException("vocabulary size must be at least 3, got " + maxSize);
        }
        Map<String, int[]> counts = new HashMap<>();
        for (String t : texts) {
            for (String tok : Tokenizer.tokens(t)) {
                counts.computeIfAbsent(tok, k -> new int[1])[0]++;
            }
        }
        List<Map.Entry<String, int[]>> entries = new ArrayList<>(counts.entrySet());
        entries.sort((a, b) -> a.getValue()[0] != b.getValue()[0]
                ? Integer.compare(b.getValue()[0], a.getValue()[0]) : a.getKey().compareTo(b.getKey()));
        List<String> tokens = new ArrayList<>();
        tokens.add(PAD);
        tokens.add(UNK);
        for (int i = 0; i < entries.size() && tokens.size() < maxSize; i++) {
            tokens.add(entries.get(i).getKey());
        }
        return new Vocabulary(tokens);
    }

    public int size() {
        return tokens.size();
    }

    public List<String> tokens() {
        return Collections.unmodifiableList(tokens);
    }

    public int id(String token) {
        return ids.getOrDefault(token, UNK_ID);
    }

    /**
     * How a text longer than the model's length is cut: {@code post} keeps its first tokens; {@code middle} keeps the
     * first and the last half-lengths, because reviews and messages put their verdict at either end (Sun et al. 2019
     * found head+tail best for long reviews; on IMDB at 256 tokens a uni+bigram logistic regression gains 0.8 points
     * from it, see docs/results/text-teacher.md). Models record which one they were trained with.
     */
    public enum Truncation {
        POST("post"), MIDDLE("middle");

        public final String id;

        Truncation(String id) {
            this.id = id;
        }

        /** The recorded value; {@code null} (a record written before the field existed) is {@code post}. */
        public static Truncation of(Object recorded) {
            if (recorded == null) {
                return POST;
            }
            for (Truncation t : values()) {
                if (t.id.equals(recorded)) {
                    return t;
                }
            }
            throw new org.jvmcompress.core.CompressionException("the model records truncation '" + recorded
                    + "', which this version does not know (it reads post or middle)");
        }

        /** The truncation a preprocessing record (a sidecar's, a data set's) names; none recorded is {@code post}. */
        public static Truncation recordedIn(java.util.Map<String, Object> preprocessing) {
            return of(preprocessing == null ? null : preprocessing.get("truncation"));
        }
    }

    /** Token ids of a text, truncated to {@code maxLen} (keeping its first tokens) and padded with {@link #PAD_ID}. */
    public int[] encode(String text, int maxLen) {
        return encode(text, maxLen, Truncation.POST);
    }

    /** Token ids of a text, cut to {@code maxLen} as {@code t} says and padded with {@link #PAD_ID} at the end. */
    public int[] encode(String text, int maxLen, Truncation t) {
        int[] out = new int[maxLen];
        List<String> toks = Tokenizer.tokens(text);
        int n = toks.size();
        if (n <= maxLen || t == Truncation.POST) {
            for (int i = 0; i < maxLen && i < n; i++) {
                out[i] = id(toks.get(i));
            }
        } else {
            int head = maxLen / 2;
            for (int i = 0; i < head; i++) {
                out[i] = id(toks.get(i));
            }
            for (int i = head; i < maxLen; i++) {
                out[i] = id(toks.get(n - maxLen + i));
            }
        }
        return out;
    }

    /**
     * The text a row of token ids stands for, as this vocabulary's tokens separated by spaces: padding dropped, the
     * unknown token written as {@code unknown} (e.g. a pretrained tokenizer's own unknown token).
     */
    public String decode(float[] ids, String unknown) {
        StringBuilder b = new StringBuilder();
        for (float f : ids) {
            int id = (int) f;
            if (id == PAD_ID) {
                continue;
            }
            if (id < 0 || id >= tokens.size() || id != f) {
                throw new CompressionException("token id " + f + " outside the vocabulary of " + tokens.size());
            }
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(id == UNK_ID ? unknown : tokens.get(id));
        }
        return b.toString();
    }

    public int[][] encodeAll(List<String> texts, int maxLen, Truncation t) {
        int[][] out = new int[texts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = encode(texts.get(i), maxLen, t);
        }
        return out;
    }
}
