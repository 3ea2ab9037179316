package org.jvmcompress.quantize;

import java.nio.file.Path;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.ModelFormat;
import org.jvmcompress.core.model.Models;

/**
 * Loads {@code .jcq} quantised models for evaluation, through the dequantising runtime. {@link Models#load} finds it
 * through {@code META-INF/services/org.jvmcompress.core.model.ModelFormat}.
 */
public final class JcqFormat implements ModelFormat {
    @Override
    public String name() {
        return "jcq";
    }

    @Override
    public boolean accepts(Path file) {
        return file.getFileName().toString().endsWith(".jcq") || JcqFile.looksLikeJcq(file);
    }

    @Override
    public LoadedModel load(Path file) {
        return JcqFile.read(file).load(file, Models.readSidecar(file));
    }
}
