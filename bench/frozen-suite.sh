# The suite frozen for a long background job: built if needed, copied to /tmp/<name>/suite.jar; $J runs it.
# Sourced by the queue scripts: `. bench/frozen-suite.sh NAME`.
bin/compression --help > /dev/null || exit 1
mkdir -p "/tmp/$1" && cp compression/target/compression-all.jar "/tmp/$1/suite.jar"
J="env COMPRESSION_JAR=/tmp/$1/suite.jar bin/compression"
