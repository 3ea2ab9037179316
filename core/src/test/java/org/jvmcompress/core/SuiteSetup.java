package org.jvmcompress.core;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.jvmcompress.core.runtime.Backend;
import org.jvmcompress.core.util.ProgressBar;

/**
 * The set-up every test class that builds networks needs, once, shared through core's test-jar:
 * {@code @ExtendWith(SuiteSetup.class)}. It initialises the ND4J backend as the command line does (oneDNN helpers
 * on, float defaults) and turns progress bars off so that test logs stay readable.
 */
public final class SuiteSetup implements BeforeAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
        Backend.init();
        ProgressBar.setEnabled(false);
    }
}
