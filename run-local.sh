#!/usr/bin/env bash
# Builds the project, then streams SST-2 through label -> train -> eval on an embedded Kafka broker and an
# embedded PostgreSQL (no Docker, nothing to install) and prints the leaderboard. Options: ./run-local.sh --help
set -euo pipefail
cd "$(dirname "$0")"
echo "building (mvn package, tests skipped)..."
mvn -B -q -DskipTests package
export OPT_OUT_TRACKING=true
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$PWD/target/djl-cache}"
exec java -Dai.djl.offline=true -Ddistill.project.dir="$PWD" \
  -cp "distill-local/target/distill-local-0.1.0-SNAPSHOT.jar:distill-local/target/lib/*" \
  dev.distill.local.Main "$@"
