package org.jvmcompress.distill;

import java.util.List;
import org.jvmcompress.core.util.Registry;

/** The distillation schemes on the class path, by name, in the order of their service files. */
public final class Schemes {
    private static final Registry<Scheme> REGISTRY = Registry.load(Scheme.class, Scheme::name, "distillation scheme");

    private Schemes() {}

    public static List<String> names() {
        return REGISTRY.names();
    }

    /** The one of that name, or an error that lists the known ones. */
    public static Scheme get(String name) {
        return REGISTRY.get(name);
    }
}
