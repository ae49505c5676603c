#!/usr/bin/env bash
# Builds the project, then streams SST-2 through label -> train -> eval on an embedded Kafka broker and an
# embedded PostgreSQL (no Docker, nothing to install) and prints the leaderboard. Options: ./run-local.sh --help
set -euo pipefail
cd "$(dirname "$0")"
echo "building (mvn package, tests skipped)..."
mvn -B -q -DskipTests package
exec bin/java-main dev.distill.local.Main "$@"
