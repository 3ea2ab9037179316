/** Training loops: epochs with early stopping on the validation split, checkpoints and resume. */
package org.jvmcompress.core.train;
