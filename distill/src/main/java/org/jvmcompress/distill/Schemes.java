package org.jvmcompress.distill;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.jvmcompress.core.CompressionException;

/** The distillation schemes on the class path, by name, in the order of their service files. */
public final class Schemes {
    private static final Map<String, Scheme> SCHEMES = new LinkedHashMap<>();

    static {
        for (Scheme s : ServiceLoader.load(Scheme.class, Schemes.class.getClassLoader())) {
            SCHEMES.putIfAbsent(s.name(), s);
        }
    }

    private Schemes() {}

    public static List<String> names() {
        return List.copyOf(SCHEMES.keySet());
    }

    /** The scheme of that name, or an error that lists the known ones. */
    public static Scheme get(String name) {
        Scheme s = SCHEMES.get(name);
        if (s == null) {
            throw new CompressionException("unknown distillation scheme '" + name + "'; known: "
                    + String.join(", ", SCHEMES.keySet()));
        }
        return s;
    }
}
