package org.jvmcompress.core;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.jvmcompress.core.data.ImageData;
import org.jvmcompress.core.data.TextData;

/** Small synthetic data sets and files that tests share (also from other modules, through the test jar). */
public final class Synthetic {
    private Synthetic() {}

    /** Images whose class is written into their brightness pattern, so a small network can learn them. */
    public static ImageData images(int n, int classes, int size, long seed) {
        Random r = new Random(seed);
        byte[] px = new byte[n * size * size];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(classes);
            for (int k = 0; k < size * size; k++) {
                int row = k / size;
                boolean on = (row * classes / size) == y[i];
                px[i * size * size + k] = (byte) (on ? 200 + r.nextInt(55) : r.nextInt(40));
            }
        }
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            names.add("class" + c);
        }
        return new ImageData(px, y, 1, size, size, names);
    }

    /** Reviews whose label is carried by a few words. */
    public static TextData texts(int n, long seed) {
        return texts(n, seed, new String[] {"the", "movie", "was", "a", "plot", "actor", "scene", "and", "it", "film"});
    }

    /** As {@link #texts(int, long)} with {@code fillers} neutral words ("w0", "w1", ...): a larger vocabulary. */
    public static TextData texts(int n, long seed, int fillers) {
        String[] filler = new String[fillers];
        for (int i = 0; i < fillers; i++) {
            filler[i] = "w" + i;
        }
        return texts(n, seed, filler);
    }

    private static TextData texts(int n, long seed, String[] filler) {
        Random r = new Random(seed);
        String[] pos = {"great", "wonderful", "loved", "excellent"};
        String[] neg = {"awful", "boring", "hated", "terrible"};
        List<String> texts = new ArrayList<>();
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(2);
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < 20; w++) {
                String tok = r.nextInt(4) == 0 ? (y[i] == 1 ? pos : neg)[r.nextInt(4)] : filler[r.nextInt(filler.length)];
                sb.append(tok).append(' ');
            }
            texts.add(sb.toString().strip());
        }
        return new TextData(texts, y, List.of("negative", "positive"));
    }

    /** Bytes of an IDX file of unsigned bytes with the given dimensions. */
    public static byte[] idx(int[] dims, byte[] data) {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bos);
            out.writeInt(0x0800 | dims.length);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
            out.flush();
            return bos.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] gzip(byte[] b) {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (OutputStream gz = new GZIPOutputStream(bos)) {
                gz.write(b);
            }
            return bos.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes an IDX image file and its label file for the data, under the given names. */
    public static void writeIdxPair(ImageData d, Path images, Path labels) throws IOException {
        Files.write(images, idx(new int[] {d.size(), d.height(), d.width()}, d.pixels()));
        byte[] lab = new byte[d.size()];
        for (int i = 0; i < lab.length; i++) {
            lab[i] = (byte) d.labels()[i];
        }
        Files.write(labels, idx(new int[] {d.size()}, lab));
    }

    /** Lists every file under a folder (to check that nothing half-written was left). */
    public static List<String> listAll(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (var s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }
}
