package org.jvmcompress.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jvmcompress.core.CompressionException;

/** Writing the benchmarks' charts. */
final class Charts {
    private Charts() {}

    /** The chart as a PNG, written beside and moved into place, so that a failed write leaves the old one. */
    static void save(JFreeChart chart, Path png, int width, int height) {
        try {
            Path tmp = png.resolveSibling(png.getFileName() + ".part");
            ChartUtils.saveChartAsPNG(tmp.toFile(), chart, width, height);
            Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CompressionException("cannot write " + png + ": " + e.getMessage(), e);
        }
    }
}
