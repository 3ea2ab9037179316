/**
 * Training: epochs with early stopping on the validation split, checkpoints and resume, the step every network
 * takes ({@link org.jvmcompress.core.train.TrainingSetup}, through an engine where one trains it). The top of
 * core; must not depend on any stage.
 */
package org.jvmcompress.core.train;
