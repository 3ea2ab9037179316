package org.jvmcompress.core.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.jvmcompress.core.CompressionException;

/**
 * Reader for the IDX format of (Fashion-)MNIST: a big-endian header (two zero bytes, a type byte, the number of
 * dimensions, then each dimension as an int) followed by the data. Only unsigned bytes (type 0x08) are used by
 * image and label files. Reads plain or gzip-compressed files; every inconsistency is reported with the file.
 */
public final class Idx {
    private Idx() {}

    /** A parsed IDX file: its dimensions and the raw unsigned bytes. */
    public record Array(int[] dims, byte[] data) {
        public int count() {
            return dims[0];
        }
    }

    public static Array read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CompressionException("IDX file not found: " + file);
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = (b0 == 0x1f && b1 == 0x8b) ? new GZIPInputStream(raw, 1 << 16) : raw;
            return read(new DataInputStream(in), file);
        } catch (EOFException e) {
            throw new CompressionException("IDX file " + file + " is truncated (ends before the size its header gives)", e);
        } catch (ZipException e) {
            throw new CompressionException("IDX file " + file + " is a corrupt gzip stream: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new CompressionException("cannot read IDX file " + file + ": " + e.getMessage(), e);
        }
    }

    private static Array read(DataInputStream in, Path file) throws IOException {
        int magic = in.readInt();
        if ((magic >>> 16) != 0) {
            throw new CompressionException("not an IDX file (bad magic number 0x" + Integer.toHexString(magic) + "): " + file);
        }
        int type = (magic >>> 8) & 0xff;
        int ndims = magic & 0xff;
        if (type != 0x08) {
            throw new CompressionException("IDX file " + file + " holds type 0x" + Integer.toHexString(type)
                    + "; only unsigned bytes (0x08) are supported");
        }
        if (ndims < 1 || ndims > 4) {
            throw new CompressionException("IDX file " + file + " declares " + ndims + " dimensions; expected 1 to 4");
        }
        int[] dims = new int[ndims];
        long total = 1;
        for (int i = 0; i < ndims; i++) {
            dims[i] = in.readInt();
            if (dims[i] <= 0) {
                throw new CompressionException("IDX file " + file + " has a non-positive dimension " + dims[i]);
            }
            total *= dims[i];
        }
        if (total > Integer.MAX_VALUE - 16) {
            throw new CompressionException("IDX file " + file + " is too large (" + total + " values)");
        }
        byte[] data = new byte[(int) total];
        in.readFully(data);
        if (in.read() != -1) {
            throw new CompressionException("IDX file " + file + " has data after the " + total + " values its header declares");
        }
        return new Array(dims, data);
    }

    /** Reads an image file ([n, rows, cols]) and its label file ([n]) and checks that they agree. */
    public static ImageData readImages(Path images, Path labels, java.util.List<String> labelNames) {
        Array img = read(images);
        Array lab = read(labels);
        if (img.dims().length != 3) {
            throw new CompressionException("IDX image file " + images + " must have 3 dimensions [n, rows, cols], has "
                    + img.dims().length);
        }
        if (lab.dims().length != 1) {
            throw new CompressionException("IDX label file " + labels + " must have 1 dimension [n], has " + lab.dims().length);
        }
        if (img.count() != lab.count()) {
            throw new CompressionException("label count does not match image count: " + labels + " has " + lab.count()
                    + " labels, " + images + " has " + img.count() + " images");
        }
        int[] y = new int[lab.count()];
        int maxLabel = 0;
        for (int i = 0; i < y.length; i++) {
            y[i] = lab.data()[i] & 0xff;
            maxLabel = Math.max(maxLabel, y[i]);
        }
        java.util.List<String> names = labelNames;
        if (names == null) {
            names = new java.util.ArrayList<>();
            for (int c = 0; c <= maxLabel; c++) {
                names.add(Integer.toString(c));
            }
        } else if (maxLabel >= names.size()) {
            throw new CompressionException("IDX label file " + labels + " has label " + maxLabel + " but only "
                    + names.size() + " classes are known");
        }
        return new ImageData(img.data(), y, 1, img.dims()[1], img.dims()[2], names);
    }
}
