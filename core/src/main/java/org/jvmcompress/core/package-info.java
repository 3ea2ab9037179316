/** What every stage shares: data, tasks, model handles, evaluation and measurement. */
package org.jvmcompress.core;
