/** Tasks (cv, nlp): their data, splits, input encoding and reference teacher architectures, registered by name. */
package org.jvmcompress.core.task;
