package org.jvmcompress.core.data;

import java.util.List;
import org.jvmcompress.core.CompressionException;

/**
 * Images held as unsigned bytes, [n][channels][height][width] flattened, with integer labels.
 * Pixels become floats in [0, 1] only when a batch is made, so a data set costs one byte per pixel in memory.
 */
public record ImageData(byte[] pixels, int[] labels, int channels, int height, int width, List<String> labelNames) {
    public ImageData {
        long expected = (long) labels.length * channels * height * width;
        if (pixels.length != expected) {
            throw new CompressionException("image data has " + pixels.length + " pixel bytes, expected " + expected
                    + " for " + labels.length + " images of " + channels + "x" + height + "x" + width);
        }
        labelNames = List.copyOf(labelNames);
    }

    public int size() {
        return labels.length;
    }

    public int pixelsPerImage() {
        return channels * height * width;
    }

    public int numClasses() {
        return labelNames.size();
    }

    /** The images at the given indices, in that order. */
    public ImageData subset(int[] idx) {
        int per = pixelsPerImage();
        byte[] p = new byte[idx.length * per];
        int[] y = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            System.arraycopy(pixels, idx[i] * per, p, i * per, per);
            y[i] = labels[idx[i]];
        }
        return new ImageData(p, y, channels, height, width, labelNames);
    }
}
