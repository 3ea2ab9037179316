package org.jvmcompress.core.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Word tokeniser for English reviews: HTML line breaks removed, lower-cased, split into runs of letters, digits
 * and inner apostrophes. Deterministic and locale-independent, so the same text always gives the same tokens.
 */
public final class Tokenizer {
    private Tokenizer() {}

    public static List<String> tokens(String text) {
        String s = text.replace("<br />", " ").replace("<br/>", " ").replace("<br>", " ").toLowerCase(Locale.ROOT);
        List<String> out = new ArrayList<>();
        int n = s.length();
        int i = 0;
        while (i < n) {
            while (i < n && !Character.isLetterOrDigit(s.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && (Character.isLetterOrDigit(s.charAt(i))
                    || (s.charAt(i) == '\'' && i + 1 < n && Character.isLetterOrDigit(s.charAt(i + 1)) && i > start))) {
                i++;
            }
            if (i > start) {
                out.add(s.substring(start, i));
            }
        }
        return out;
    }
}
