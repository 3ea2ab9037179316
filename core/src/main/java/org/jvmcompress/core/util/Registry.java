package org.jvmcompress.core.util;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Function;
import org.jvmcompress.core.CompressionException;

/**
 * The implementations of one extension interface on the class path, by name, in the order of their service files
 * ({@code META-INF/services/<interface>}): what every family of the suite that a newcomer extends (distillation
 * schemes, knowledge kinds) is looked up through. The first of two with one name wins.
 */
public final class Registry<T> {
    private final String what;
    private final Map<String, T> byName = new LinkedHashMap<>();

    private Registry(Class<T> type, Function<T, List<String>> names, String what) {
        this.what = what;
        for (T t : ServiceLoader.load(type, type.getClassLoader())) {
            for (String n : names.apply(t)) {
                byName.putIfAbsent(n, t);
            }
        }
    }

    /** @param what how errors name one of them ("distillation scheme") */
    public static <T> Registry<T> load(Class<T> type, Function<T, String> name, String what) {
        return new Registry<>(type, t -> List.of(name.apply(t)), what);
    }

    /** As {@link #load}, for implementations that answer to several names. */
    public static <T> Registry<T> loadNamed(Class<T> type, Function<T, List<String>> names, String what) {
        return new Registry<>(type, names, what);
    }

    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /** The one of that name, or an error that lists the known ones. */
    public T get(String name) {
        T t = byName.get(name);
        if (t == null) {
            throw new CompressionException("unknown " + what + " '" + name + "'; known: "
                    + String.join(", ", byName.keySet()));
        }
        return t;
    }
}
