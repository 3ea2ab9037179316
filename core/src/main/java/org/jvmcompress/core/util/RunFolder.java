package org.jvmcompress.core.util;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import org.jvmcompress.core.CompressionException;

/**
 * A command's run folder, made and checked before any work (a file or an unwritable folder named as the output is
 * refused at once, not after an epoch), and held by one command at a time through {@code run.lock} in it: a second
 * command on the same folder is refused while the first runs, in another process or this one. Within one command
 * the claim is re-entrant (the {@code run} command's pipeline claims the folder the command line already holds). A
 * folder the claim made and nothing was written to is removed again when the claim ends.
 */
public final class RunFolder implements AutoCloseable {
    public static final String LOCK = "run.lock";

    private static final Map<Path, Held> HELD = new HashMap<>();

    private record Held(FileChannel channel, FileLock lock, int[] claims, boolean created) {}

    private final Path dir;
    private boolean closed;

    private RunFolder(Path dir) {
        this.dir = dir;
    }

    /** Makes the folder (refusing a file or a folder that cannot be written) and takes its lock. */
    public static synchronized RunFolder claim(Path folder) {
        Path dir = folder.toAbsolutePath().normalize();
        boolean created = !Files.exists(dir);
        make(dir);
        Held h = HELD.get(dir);
        if (h != null) {
            h.claims()[0]++;
            return new RunFolder(dir);
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new CompressionException("cannot write in the run folder " + dir + ": " + IoReasons.of(e), e);
        }
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException e) {
            closeQuietly(ch);
            throw new CompressionException("cannot lock the run folder " + dir + ": " + IoReasons.of(e), e);
        }
        if (lock == null) {
            closeQuietly(ch);
            throw new CompressionException("another run is writing " + dir + " (its " + LOCK + " is held by a command"
                    + " still running); wait for it to finish, or use another --output");
        }
        HELD.put(dir, new Held(ch, lock, new int[] {1}, created));
        return new RunFolder(dir);
    }

    /** Creates the folder and its parents; a path that is a file, or that cannot be made or written, is refused. */
    private static void make(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new CompressionException("the output " + dir + " is a file, not a folder; name a folder with --output");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CompressionException("cannot create the output folder " + dir + ": " + IoReasons.of(e), e);
        }
        if (!Files.isWritable(dir)) {
            throw new CompressionException("the output folder " + dir + " is not writable (permission denied)");
        }
    }

    /** Gives up this claim; the lock goes with the last claim on the folder. */
    @Override
    public synchronized void close() {
        synchronized (RunFolder.class) {
            if (closed) {
                return;
            }
            closed = true;
            Held h = HELD.get(dir);
            if (h != null && --h.claims()[0] == 0) {
                release(dir, h);
            }
        }
    }

    /** Releases every folder this process holds (the command line, when a command ends). */
    public static synchronized void releaseAll() {
        for (Map.Entry<Path, Held> e : Map.copyOf(HELD).entrySet()) {
            release(e.getKey(), e.getValue());
        }
    }

    private static void release(Path dir, Held h) {
        HELD.remove(dir);
        try {
            h.lock().release();
        } catch (IOException | RuntimeException e) {
            // the channel's close below releases it as well
        }
        closeQuietly(h.channel());
        if (h.created()) {
            // a command that failed before writing anything leaves no folder behind
            try (java.util.stream.Stream<Path> files = Files.list(dir)) {
                if (files.allMatch(f -> f.getFileName().toString().equals(LOCK))) {
                    Files.deleteIfExists(dir.resolve(LOCK));
                    Files.deleteIfExists(dir);
                }
            } catch (IOException e) {
                // left as it is: the next command on the folder claims it again
            }
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // nothing was written through it
        }
    }
}
