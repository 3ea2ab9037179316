package org.jvmcompress.core.data;

import java.util.List;
import org.jvmcompress.core.CompressionException;

/** Raw texts with integer labels; tokenisation happens later, with a vocabulary fitted on the training split. */
public record TextData(List<String> texts, int[] labels, List<String> labelNames) {
    public TextData {
        if (texts.size() != labels.length) {
            throw new CompressionException("text data has " + texts.size() + " texts but " + labels.length + " labels");
        }
        texts = List.copyOf(texts);
        labelNames = List.copyOf(labelNames);
    }

    public int size() {
        return labels.length;
    }

    public int numClasses() {
        return labelNames.size();
    }

    public TextData subset(int[] idx) {
        String[] t = new String[idx.length];
        int[] y = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            t[i] = texts.get(idx[i]);
            y[i] = labels[idx[i]];
        }
        return new TextData(List.of(t), y, labelNames);
    }
}
