/**
 * The orchestrator: one config runs the stages in order, each leaving a record in the run folder; what joins two
 * stages (a quantised student: distil, then QAT) lives here. Must not depend on the command line.
 */
package org.jvmcompress.pipeline;
