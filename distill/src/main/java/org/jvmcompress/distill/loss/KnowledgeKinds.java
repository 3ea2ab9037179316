package org.jvmcompress.distill.loss;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.jvmcompress.core.CompressionException;

/** The knowledge kinds on the class path, by name, in the order of their service files. */
public final class KnowledgeKinds {
    private static final Map<String, KnowledgeKind> KINDS = new LinkedHashMap<>();

    static {
        for (KnowledgeKind k : ServiceLoader.load(KnowledgeKind.class, KnowledgeKinds.class.getClassLoader())) {
            KINDS.putIfAbsent(k.name(), k);
        }
    }

    private KnowledgeKinds() {}

    public static List<String> names() {
        return List.copyOf(KINDS.keySet());
    }

    /** The kind of that name, or an error that lists the known ones. */
    public static KnowledgeKind get(String name) {
        KnowledgeKind k = KINDS.get(name);
        if (k == null) {
            throw new CompressionException("unknown feature/relation knowledge '" + name + "'; known: "
                    + String.join(", ", KINDS.keySet()));
        }
        return k;
    }
}
