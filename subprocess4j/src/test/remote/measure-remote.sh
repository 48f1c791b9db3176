#!/bin/sh
# Jobs per second through SshLauncher vs plain ssh in a shell loop (one shared connection to a
# test sshd on 127.0.0.1) and through SlurmLauncher vs plain srun (single-node Slurm).
# Usage: subprocess4j/src/test/remote/measure-remote.sh [jobs per round]
set -eu
cd "$(dirname "$0")/../../.."            # the subprocess4j module
. ../.mvn/find-jdk.sh
(cd .. && ./mvnw -B -q -pl subprocess4j test-compile >/dev/null)
cp=target/classes:target/test-classes
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" dev.subprocess4j.fixtures.RemoteThroughputMain "${1:-200}"
