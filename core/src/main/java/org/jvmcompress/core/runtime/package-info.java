/** The ND4J backend: switching the oneDNN layer helpers on, and describing the runtime for provenance. */
package org.jvmcompress.core.runtime;
