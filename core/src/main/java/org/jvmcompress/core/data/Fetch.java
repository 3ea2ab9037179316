package org.jvmcompress.core.data;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.util.AtomicFiles;
import org.jvmcompress.core.util.Hashing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Getting files from the package clients (apt-get, npm) or an upstream site, and verifying them. */
public final class Fetch {
    private static final Logger LOG = LoggerFactory.getLogger(Fetch.class);

    private Fetch() {}

    /** The result of an external command. */
    public record Result(boolean ok, String output) {}

    /** Runs a command in a folder; never throws for a missing program or a failure, reports it instead. */
    public static Result run(List<String> command, Path dir, Duration timeout) {
        try {
            Path log = Files.createTempFile("fetch", ".log");
            try {
                Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                        .redirectOutput(log.toFile()).start();
                if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return new Result(false, String.join(" ", command) + " timed out after " + timeout.toSeconds() + " s");
                }
                String out = Files.readString(log, StandardCharsets.UTF_8);
                return new Result(p.exitValue() == 0, out.strip());
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            return new Result(false, command.get(0) + " could not be started: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, "interrupted");
        }
    }

    /** Downloads a URL to a file (atomically); false, with a log line, when it cannot be reached. */
    public static boolean download(String url, Path target) {
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                    .followRedirects(HttpClient.Redirect.NORMAL).build();
            HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5)).GET().build();
            HttpResponse<InputStream> resp = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
            if (resp.statusCode() != 200) {
                resp.body().close();
                LOG.info("{} answered HTTP {}", url, resp.statusCode());
                return false;
            }
            AtomicFiles.writeStream(target, out -> {
                try (InputStream in = resp.body()) {
                    in.transferTo(out);
                }
            });
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.info("cannot download {}: {}", url, e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Copies a file into place, gunzipping it when its name ends in .gz; atomic. */
    public static void copyMaybeGunzip(Path source, Path target) {
        AtomicFiles.writeStream(target, out -> {
            try (InputStream raw = Files.newInputStream(source);
                 InputStream in = source.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw) {
                in.transferTo(out);
            } catch (IOException e) {
                throw new CompressionException("cannot decompress " + source + " (corrupt or truncated gzip file): "
                        + e.getMessage(), e);
            }
        });
    }

    /**
     * Puts a verified copy of {@code source} (gunzipped when its name ends in .gz) at {@code target}: it is written
     * beside the target, checked against the SHA-256, and moved into place only when it matches.
     */
    public static void install(Path source, Path target, String expectedSha256) {
        installVerified(target, expectedSha256, part -> copyMaybeGunzip(source, part));
    }

    /**
     * Puts a verified file at {@code target}: {@code write} writes it beside the target, it is checked against the
     * SHA-256 and moved into place only when it matches.
     */
    public static void installVerified(Path target, String expectedSha256, java.util.function.Consumer<Path> write) {
        Path part = target.resolveSibling(target.getFileName() + ".verifying");
        try {
            write.accept(part);
            verify(part, expectedSha256);
            java.nio.file.Files.move(part, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            AtomicFiles.deleteQuietly(part);
        }
    }

    /** Throws, naming the file and both hashes, unless the file's SHA-256 is the expected one. */
    public static void verify(Path file, String expectedSha256) {
        String actual = Hashing.sha256(file);
        if (!actual.equalsIgnoreCase(expectedSha256)) {
            throw new CompressionException("SHA-256 mismatch for " + file + ": expected " + expectedSha256 + ", got "
                    + actual + " (the file is corrupt or not the expected version; delete it and fetch again)");
        }
    }

    /**
     * Puts a verified copy of a single-file data set at {@code target}: true when it is there already (verified now)
     * or was copied from the first of {@code systemCopies} that exists (an installed package's file); the places
     * looked at are added to {@code tried}.
     */
    public static boolean cachedOrInstalled(Path target, String sha256, List<Path> systemCopies, List<String> tried) {
        if (Files.isRegularFile(target)) {
            verify(target, sha256);
            return true;
        }
        for (Path f : systemCopies) {
            if (Files.isRegularFile(f)) {
                LOG.info("found {}", f);
                install(f, target, sha256);
                return true;
            }
            tried.add(f.toString());
        }
        return false;
    }

    /**
     * Fetches a Debian package with {@code apt-get download} into {@code tmp} and unpacks it with {@code dpkg -x}: the
     * root of its files, or null with the reason added to {@code tried}.
     */
    public static Path unpackDeb(String pkg, Path tmp, List<String> tried) throws IOException {
        Result r = run(List.of("apt-get", "download", pkg), tmp, Duration.ofMinutes(10));
        if (!r.ok()) {
            String[] lines = r.output().strip().split("\n");
            tried.add("apt-get download " + pkg + ": " + lines[lines.length - 1]);
            return null;
        }
        Path deb;
        try (java.util.stream.Stream<Path> s = Files.list(tmp)) {
            deb = s.filter(p -> p.getFileName().toString().endsWith(".deb")).findFirst().orElse(null);
        }
        if (deb == null) {
            tried.add("apt-get download " + pkg + " left no .deb");
            return null;
        }
        Path x = tmp.resolve("x");
        Result ex = run(List.of("dpkg", "-x", deb.toString(), x.toString()), tmp, Duration.ofMinutes(5));
        if (!ex.ok()) {
            tried.add("dpkg -x " + deb.getFileName() + ": " + ex.output());
            return null;
        }
        return x;
    }
}
