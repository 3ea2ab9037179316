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

    /**
     * Reads the folder. With {@code labelNames} given (the model's classes), sub-folders must be among them;
     * otherwise the sorted sub-folder names become the classes.
     */
    public static ImageData read(Path dir, int channels, int height, int width, List<String> labelNames) {
        if (!Files.isDirectory(dir)) {
            throw new CompressionException("image folder not found: " + dir);
        }
        if (channels != 1 && channels != 3) {
            throw new CompressionException("images can be read as 1 or 3 channels, not " + channels);
        }
        List<Path> classes;
        try (Stream<Path> s = Files.list(dir)) {
            classes = s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new CompressionException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        if (classes.isEmpty()) {
            throw new CompressionException("image folder " + dir + " has no class sub-folders (expected DIR/<label>/*.png)");
        }
        List<String> names = labelNames != null ? labelNames
                : classes.stream().map(p -> p.getFileName().toString()).toList();
        int per = channels * height * width;
        java.io.ByteArrayOutputStream pixels = new java.io.ByteArrayOutputStream();
        List<Integer> labels = new ArrayList<>();
        for (Path c : classes) {
            String label = c.getFileName().toString();
            int y = names.indexOf(label);
            if (y < 0) {
                throw new CompressionException("image folder " + dir + " has class '" + label + "', which the model does"
                        + " not know; its classes are " + names);
            }
            List<Path> files;
            try (Stream<Path> s = Files.list(c)) {
                files = s.filter(Files::isRegularFile).filter(ImageFolder::isImage).sorted().toList();
            } catch (IOException e) {
                throw new CompressionException("cannot list " + c + ": " + e.getMessage(), e);
            }
            for (Path f : files) {
                byte[] px = load(f, channels, height, width);
                pixels.write(px, 0, per);
                labels.add(y);
            }
        }
        if (labels.isEmpty()) {
            throw new CompressionException("image folder " + dir + " holds no PNG or JPEG files");
        }
        return new ImageData(pixels.toByteArray(), labels.stream().mapToInt(Integer::intValue).toArray(), channels,
                height, width, names);
    }

    /** One image as channel-major unsigned bytes of the requested size. */
    public static byte[] load(Path f, int channels, int height, int width) {
        BufferedImage img;
        try {
            img = ImageIO.read(f.toFile());
        } catch (IOException | RuntimeException e) {
            throw new CompressionException("cannot decode image " + f + ": " + e.getMessage(), e);
        }
        if (img == null) {
            throw new CompressionException("not a readable PNG/JPEG image: " + f);
        }
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
