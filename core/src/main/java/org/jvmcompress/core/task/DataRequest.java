package org.jvmcompress.core.task;

import java.nio.file.Path;
import java.util.List;

/**
 * The data a user names for a command ({@code --data}, {@code --test-data}, {@code --labels}, {@code --image-size},
 * {@code --max-length}, {@code --resize}, {@code --task}); every field may be null (nothing named: the model's own
 * data).
 *
 * @param task      a task (cv, nlp) for a model whose sidecar does not name one; with no data: the task's built-in set
 * @param data      labelled data: split into train and validation (and test, without {@code testData})
 * @param testData  a separate labelled test set
 * @param labels    the model's classes in output order, for a model without a sidecar (else sorted label names)
 * @param imageSize [height, width] images are read at (new image data without a model to say)
 * @param channels  1 or 3 (new image data without a model to say)
 * @param maxLength tokens per text (new text data without a model to say)
 * @param resize    images whose size differs from the model's input may be resized to it
 */
public record DataRequest(String task, Path data, Path testData, List<String> labels, int[] imageSize,
                          Integer channels, Integer maxLength, boolean resize) {
    public static final DataRequest NONE = new DataRequest(null, null, null, null, null, null, null, false);

    /** Whether the user named any data of their own. */
    public boolean namesFiles() {
        return data != null || testData != null;
    }

    public DataRequest withTask(String t) {
        return new DataRequest(t, data, testData, labels, imageSize, channels, maxLength, resize);
    }

    /** "HxW" (e.g. "32x32") as [height, width], each 4 to 1024; an error naming {@code what} otherwise. */
    public static int[] parseSize(String hxw, String what) {
        String[] hw = hxw.toLowerCase(java.util.Locale.ROOT).split("x");
        int[] size = null;
        if (hw.length == 2) {
            try {
                size = new int[] {Integer.parseInt(hw[0].trim()), Integer.parseInt(hw[1].trim())};
            } catch (NumberFormatException e) {
                size = null;
            }
        }
        if (size == null || size[0] < 4 || size[1] < 4 || size[0] > 1024 || size[1] > 1024) {
            throw new org.jvmcompress.core.CompressionException(what + " takes HxW between 4 and 1024, e.g. 32x32; got '"
                    + hxw + "'");
        }
        return size;
    }
}
