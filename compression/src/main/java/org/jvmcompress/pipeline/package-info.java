/** The orchestrator: one config runs the stages in order, each leaving a record in the run folder. */
package org.jvmcompress.pipeline;
