package org.jvmcompress.core.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.util.AtomicFiles;
import org.jvmcompress.core.util.Hashing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf 2017; MIT, (c) Zalando SE): 60,000 training and 10,000 test images,
 * 28x28 greyscale, 10 classes. Found in the data folder, else in the Debian package's system path, else fetched
 * with {@code apt-get download dataset-fashion-mnist}, else from the upstream site; each file's SHA-256 is
 * checked on the gunzipped bytes.
 */
public final class FashionMnist {
    private static final Logger LOG = LoggerFactory.getLogger(FashionMnist.class);

    public static final String NAME = "fashion-mnist";
    public static final String DEB_PACKAGE = "dataset-fashion-mnist";
    public static final Path SYSTEM_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final String UPSTREAM = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
    public static final List<String> LABELS = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** SHA-256 of the gunzipped files (shared/DATA.md). */
    public static final Map<String, String> FILES = new LinkedHashMap<>();

    static {
        FILES.put("train-images-idx3-ubyte", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888");
        FILES.put("train-labels-idx1-ubyte", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9");
        FILES.put("t10k-images-idx3-ubyte", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b");
        FILES.put("t10k-labels-idx1-ubyte", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34");
    }

    private final DataHome home;

    public FashionMnist(DataHome home) {
        this.home = home;
    }

    public Path dir() {
        return home.dir(NAME);
    }

    /** True when all four files are cached and verified. */
    public boolean isCached() {
        for (Map.Entry<String, String> f : FILES.entrySet()) {
            Path p = dir().resolve(f.getKey());
            if (!Files.isRegularFile(p)) {
                return false;
            }
        }
        return true;
    }

    /** Makes sure the verified files are in the data folder, fetching them if needed; returns the folder. */
    public Path ensure() {
        if (isCached()) {
            verifyAll(dir());
            return dir();
        }
        List<String> tried = new ArrayList<>();
        for (Path candidate : List.of(dir(), SYSTEM_DIR)) {
            if (hasAll(candidate)) {
                LOG.info("Fashion-MNIST found in {}", candidate);
                install(candidate);
                return dir();
            }
            tried.add(candidate.toString());
        }
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory("fashion-mnist-deb");
            Path x = Fetch.unpackDeb(DEB_PACKAGE, tmp, tried);
            if (x != null) {
                Path inside = x.resolve("usr/share/datasets/fashion-mnist");
                if (hasAll(inside)) {
                    install(inside);
                    return dir();
                }
                tried.add(DEB_PACKAGE + " has no usr/share/datasets/fashion-mnist/ with the four files");
            }
            Path up = tmp.resolve("upstream");
            Files.createDirectories(up);
            boolean all = true;
            for (String f : FILES.keySet()) {
                if (!Fetch.download(UPSTREAM + f + ".gz", up.resolve(f + ".gz"))) {
                    all = false;
                    break;
                }
            }
            if (all) {
                install(up);
                return dir();
            }
            tried.add(UPSTREAM + " (not reachable)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            AtomicFiles.deleteQuietly(tmp);
        }
        throw new CompressionException("Fashion-MNIST not found and could not be fetched. Tried: " + String.join("; ", tried)
                + ". Run `apt-get download " + DEB_PACKAGE + " && dpkg -x " + DEB_PACKAGE + "_*.deb DIR` and pass"
                + " --data-dir pointing at a folder holding DIR/usr/share/datasets/fashion-mnist/* under " + NAME
                + "/, or `sudo apt-get install " + DEB_PACKAGE + "`.");
    }

    private static boolean hasAll(Path d) {
        for (String f : FILES.keySet()) {
            if (!Files.isRegularFile(d.resolve(f)) && !Files.isRegularFile(d.resolve(f + ".gz"))) {
                return false;
            }
        }
        return true;
    }

    /** Gunzips (when needed) and verifies each file from a source folder into the data folder. */
    private void install(Path source) {
        for (Map.Entry<String, String> f : FILES.entrySet()) {
            Path target = dir().resolve(f.getKey());
            Path plain = source.resolve(f.getKey());
            Path src = Files.isRegularFile(plain) ? plain : source.resolve(f.getKey() + ".gz");
            if (src.toAbsolutePath().equals(target.toAbsolutePath())) {
                Fetch.verify(target, f.getValue());
                continue;
            }
            Fetch.install(src, target, f.getValue());
        }
    }

    private static void verifyAll(Path d) {
        FILES.forEach((f, sha) -> Fetch.verify(d.resolve(f), sha));
    }

    /** The 60,000 training images (before any validation split). */
    public ImageData train() {
        Path d = ensure();
        return Idx.readImages(d.resolve("train-images-idx3-ubyte"), d.resolve("train-labels-idx1-ubyte"), LABELS);
    }

    /** The 10,000 held-out test images. */
    public ImageData test() {
        Path d = ensure();
        return Idx.readImages(d.resolve("t10k-images-idx3-ubyte"), d.resolve("t10k-labels-idx1-ubyte"), LABELS);
    }

    /** A hash that names this exact data: the four files' hashes. */
    public static String dataHash() {
        return Hashing.sha256(String.join(",", FILES.values()));
    }
}
