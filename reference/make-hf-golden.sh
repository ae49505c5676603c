#!/usr/bin/env bash
# Regenerates distill-core/src/test/resources/hf-export.golden.json and hf-export-pruned.golden.json, the logits a
# plain-PyTorch BERT (reference/bert_reference.py) computes from students exported as Hugging Face directories (one
# with every head, one with heads pruned away). First let the export test write those directories (it fails
# without the golden files, saying so):
#
#   mvn -B -pl distill-core test -Dtest=HuggingFaceDirectoryTest
#   bash reference/make-hf-golden.sh
#
# PyTorch comes from Debian's python3-torch 1.13.1 (teachers/debian-torch.sh; nothing is installed).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
declare -A goldens=(
    [distill-core/target/hf-export-golden]=distill-core/src/test/resources/hf-export.golden.json
    [distill-core/target/hf-export-golden-pruned]=distill-core/src/test/resources/hf-export-pruned.golden.json
)
for exported in "${!goldens[@]}"; do
    if [[ ! -f "$exported/model.safetensors" || ! -f "$exported/inputs.json" ]]; then
        echo "error: $exported has no exported model; run HuggingFaceDirectoryTest first" >&2
        exit 1
    fi
done

source teachers/debian-torch.sh
for exported in "${!goldens[@]}"; do
    golden=${goldens[$exported]}
    "$python" reference/bert_reference.py "$exported" "$exported/inputs.json" > "$golden.tmp"
    mv "$golden.tmp" "$golden"
    echo "wrote $golden"
done
