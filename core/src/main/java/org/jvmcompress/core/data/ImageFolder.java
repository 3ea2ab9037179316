package org.jvmcompress.core.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.util.ProgressBar;

/**
 * Users' images: a folder with one sub-folder per class (the sub-folder's name is the label), holding PNG or JPEG
 * files of any size. Each image is converted to the channels the model needs (1: luminance, 3: RGB) and resized
 * to its height and width with bilinear interpolation.
 */
public final class ImageFolder {
    private ImageFolder() {}

    static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }

    /** The images and how many of them had each native size and colour ("32x32 rgb", "28x28 grey"). */
    public record Read(ImageData data, java.util.SortedMap<String, Integer> nativeSizes) {
        /** Whether every image already had this size and channel count (nothing was resized or converted). */
        public boolean allAre(int channels, int height, int width) {
            return nativeSizes.size() == 1 && nativeSizes.containsKey(sizeName(channels, height, width));
        }
    }

    public static String sizeName(int channels, int height, int width) {
        return width + "x" + height + (channels == 1 ? " grey" : " rgb");
    }

    /**
     * Reads the folder. With {@code labelNames} given (the model's classes), sub-folders must be among them;
     * otherwise the sorted sub-folder names become the classes (at least two).
     */
    public static Read readWithSizes(Path dir, int channels, int height, int width, List<String> labelNames) {
        if (channels != 1 && channels != 3) {
            throw new CompressionException("images can be read as 1 or 3 channels, not " + channels);
        }
        List<Path> classes = classFolders(dir);
        if (labelNames == null && classes.size() < 2) {
            throw new CompressionException("image folder " + dir + " has " + classes.size() + " class sub-folder ("
                    + classes.get(0).getFileName() + "); a classifier needs at least two classes");
        }
        List<String> names = labelNames != null ? labelNames
                : classes.stream().map(p -> p.getFileName().toString()).toList();
        int per = channels * height * width;
        java.io.ByteArrayOutputStream pixels = new java.io.ByteArrayOutputStream();
        List<Integer> labels = new ArrayList<>();
        java.util.SortedMap<String, Integer> sizes = new java.util.TreeMap<>();
        java.util.Map<Path, List<Path>> byClass = new java.util.LinkedHashMap<>();
        long total = 0;
        for (Path c : classes) {
            String label = c.getFileName().toString();
            if (!names.contains(label)) {
                throw new CompressionException("image folder " + dir + " has class '" + label + "', which the model does"
                        + " not know; its classes are " + names);
            }
            List<Path> files = imagesIn(c);
            if (files.isEmpty()) {
                throw new CompressionException("class folder " + c + " holds no PNG or JPEG images (an empty class"
                        + " cannot be learnt or tested; remove the folder or add images)");
            }
            byClass.put(c, files);
            total += files.size();
        }
        try (ProgressBar bar = new ProgressBar("reading " + dir.getFileName(), total, "images")) {
            for (var e : byClass.entrySet()) {
                int y = names.indexOf(e.getKey().getFileName().toString());
                for (Path f : e.getValue()) {
                    BufferedImage img = decode(f);
                    sizes.merge(sizeName(isColour(img) ? 3 : 1, img.getHeight(), img.getWidth()), 1, Integer::sum);
                    pixels.write(toBytes(img, channels, height, width), 0, per);
                    labels.add(y);
                    bar.step(1);
                }
            }
        }
        return new Read(new ImageData(pixels.toByteArray(), labels.stream().mapToInt(Integer::intValue).toArray(),
                channels, height, width, names), sizes);
    }

    /** The class sub-folders of an image folder, sorted; an error when there are none. */
    public static List<Path> classFolders(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CompressionException("image folder not found: " + dir);
        }
        List<Path> classes;
        try (Stream<Path> s = Files.list(dir)) {
            classes = s.filter(Files::isDirectory).filter(c -> !DataFiles.hidden(c.getFileName())).sorted().toList();
        } catch (IOException e) {
            throw new CompressionException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        if (classes.isEmpty()) {
            throw new CompressionException("image folder " + dir + " has no class sub-folders (expected DIR/<label>/*.png)");
        }
        return classes;
    }

    private static List<Path> imagesIn(Path c) {
        try (Stream<Path> s = Files.list(c)) {
            return s.filter(Files::isRegularFile).filter(ImageFolder::isImage)
                    .filter(f -> !DataFiles.hidden(f.getFileName())).sorted().toList();
        } catch (IOException e) {
            throw new CompressionException("cannot list " + c + ": " + e.getMessage(), e);
        }
    }

    /**
     * The most common native size of the first images of each class (up to {@code perClass}), as
     * [channels, height, width]: channels 3 when any probed image is in colour.
     */
    public static int[] probeShape(Path dir, int perClass) {
        java.util.Map<String, Integer> counts = new java.util.HashMap<>();
        boolean colour = false;
        for (Path c : classFolders(dir)) {
            List<Path> files = imagesIn(c);
            for (Path f : files.subList(0, Math.min(perClass, files.size()))) {
                BufferedImage img = decode(f);
                colour |= isColour(img);
                counts.merge(img.getHeight() + "x" + img.getWidth(), 1, Integer::sum);
            }
        }
        if (counts.isEmpty()) {
            throw new CompressionException("image folder " + dir + " holds no PNG or JPEG files");
        }
        String best = counts.entrySet().stream().max(java.util.Map.Entry.<String, Integer>comparingByValue()
                .thenComparing(java.util.Map.Entry.comparingByKey())).orElseThrow().getKey();
        String[] hw = best.split("x");
        return new int[] {colour ? 3 : 1, Integer.parseInt(hw[0]), Integer.parseInt(hw[1])};
    }

    /** Whether the pixels differ between colour channels (a grey picture saved as RGB counts as grey). */
    static boolean isColour(BufferedImage img) {
        if (img.getColorModel().getNumColorComponents() < 3) {
            return false;
        }
        int[] row = new int[img.getWidth()];
        for (int y = 0; y < img.getHeight(); y++) {
            img.getRGB(0, y, img.getWidth(), 1, row, 0, img.getWidth());
            for (int rgb : row) {
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                if (r != g || g != b) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Decodes a PNG or JPEG, refusing truncated or corrupt files: ImageIO only warns about a JPEG that ends early
     * (and fills the rest grey), which would silently train on damaged pixels.
     */
    static BufferedImage decode(Path f) {
        try (javax.imageio.stream.ImageInputStream in = ImageIO.createImageInputStream(f.toFile())) {
            java.util.Iterator<javax.imageio.ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new CompressionException("not a readable PNG/JPEG image: " + f);
            }
            javax.imageio.ImageReader r = readers.next();
            List<String> warnings = new ArrayList<>();
            try {
                r.setInput(in, true, true);
                r.addIIOReadWarningListener((src, w) -> warnings.add(w));
                BufferedImage img = r.read(0);
                if (!warnings.isEmpty()) {
                    throw new CompressionException("image " + f + " is damaged or truncated: " + warnings.get(0));
                }
                return img;
            } finally {
                r.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof CompressionException ce) {
                throw ce;
            }
            throw new CompressionException("cannot decode image " + f + " (truncated or not a PNG/JPEG?): "
                    + e.getMessage(), e);
        }
    }

    /** One image as channel-major unsigned bytes of the requested size. */
    public static byte[] load(Path f, int channels, int height, int width) {
        return toBytes(decode(f), channels, height, width);
    }

    static byte[] toBytes(BufferedImage img, int channels, int height, int width) {
        BufferedImage scaled = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scaled.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, width, height, null);
        g.dispose();
        byte[] out = new byte[channels * height * width];
        int plane = height * width;
        for (int yy = 0; yy < height; yy++) {
            for (int xx = 0; xx < width; xx++) {
                int rgb = scaled.getRGB(xx, yy);
                int r = (rgb >> 16) & 0xff;
                int gr = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                int i = yy * width + xx;
                if (channels == 1) {
                    out[i] = (byte) Math.round(0.299 * r + 0.587 * gr + 0.114 * b);
                } else {
                    out[i] = (byte) r;
                    out[plane + i] = (byte) gr;
                    out[2 * plane + i] = (byte) b;
                }
            }
        }
        return out;
    }
}
