package org.jvmcompress.quantize;

import java.nio.file.Path;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.ModelFormat;
import org.jvmcompress.core.model.Models;

/** Loads {@code .jcq} quantised models for evaluation, through the dequantising runtime. */
public final class JcqFormat implements ModelFormat {
    /** Makes {@link Models#load} read quantised files. */
    public static void register() {
        Models.register(new JcqFormat());
    }

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
