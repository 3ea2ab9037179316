package org.jvmcompress.core.util;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A text progress bar with rate and ETA on standard error. On a terminal it redraws one line; elsewhere
 * (CI logs, pipes) it prints a line at every tenth of the work so that logs stay short.
 */
public final class ProgressBar implements AutoCloseable {
    private static volatile boolean enabled = true;

    private final String label;
    private final long total;
    private final String unit;
    private final PrintStream out;
    private final boolean tty;
    private final long start = System.nanoTime();
    private long done;
    /** Work finished before this run (a resumed job): counted in the bar, not in the rate. */
    private long before;
    private long lastDraw;
    private int lastDecile = -1;
    private String suffix = "";

    public ProgressBar(String label, long total, String unit) {
        this.label = label;
        this.total = Math.max(1, total);
        this.unit = unit;
        this.out = System.err;
        this.tty = System.console() != null;
    }

    /** Turn every bar off (for tests and --quiet). */
    public static void setEnabled(boolean on) {
        enabled = on;
    }

    public void step(long n) {
        done += n;
        draw(false);
    }

    /** Marks n units as finished by an earlier run (a resumed job): they fill the bar but do not count in the rate. */
    public void resumed(long n) {
        done += n;
        before += n;
        draw(false);
    }

    /** Text shown after the bar, e.g. the running loss. */
    public void suffix(String text) {
        this.suffix = text;
    }

    private void draw(boolean force) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        int decile = (int) Math.min(10, done * 10 / total);
        if (tty) {
            if (!force && now - lastDraw < 200_000_000L && done < total) {
                return;
            }
        } else if (!force && decile == lastDecile) {
            return;
        }
        lastDraw = now;
        lastDecile = decile;
        out.print((tty ? "\r" : "") + line(now) + (tty ? "" : "\n"));
        out.flush();
    }

    String line(long now) {
        double secs = (now - start) / 1e9;
        double frac = Math.min(1.0, (double) done / total);
        int width = 30;
        int filled = (int) Math.round(frac * width);
        double rate = secs > 0 ? (done - before) / secs : 0;
        String eta = done >= total ? "0s" : rate > 0 ? formatDuration((total - done) / rate) : "-";
        return String.format(Locale.ROOT, "%s [%s%s] %3.0f%% %d/%d %s, %.1f %s/s, elapsed %s, ETA %s%s",
                label, "#".repeat(filled), ".".repeat(width - filled), frac * 100, done, total, unit, rate, unit,
                formatDuration(secs), eta, suffix.isEmpty() ? "" : " " + suffix);
    }

    public static String formatDuration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    @Override
    public void close() {
        if (!enabled) {
            return;
        }
        draw(true);
        if (tty) {
            out.println();
        }
    }
}
