package org.jvmcompress.core.data;

import java.nio.file.Files;
import java.nio.file.Path;

/** A built-in data set kept as one verified file in its own folder of the data cache. */
public abstract class SingleFileSet {
    private final DataHome home;
    private final String name;
    private final String fileName;

    protected SingleFileSet(DataHome home, String name, String fileName) {
        this.home = home;
        this.name = name;
        this.fileName = fileName;
    }

    /** Where the set's file is (or will be) in the data folder. */
    public Path file() {
        return home.dir(name).resolve(fileName);
    }

    public boolean isCached() {
        return Files.isRegularFile(file());
    }
}
