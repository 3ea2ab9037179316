package org.jvmcompress.distill.loss;

import java.util.List;
import org.jvmcompress.core.util.Registry;

/** The knowledge kinds on the class path, by name, in the order of their service files. */
public final class KnowledgeKinds {
    private static final Registry<KnowledgeKind> REGISTRY = Registry.load(KnowledgeKind.class, KnowledgeKind::name, "feature/relation knowledge");

    private KnowledgeKinds() {}

    public static List<String> names() {
        return REGISTRY.names();
    }

    /**
     * The one of that name, configured by the options after it ({@code adv[hidden=32]}), or an error that lists the
     * known ones.
     */
    public static KnowledgeKind get(String spec) {
        Configured c = Configured.parse(spec);
        return REGISTRY.get(c.name()).configure(c);
    }
}
