#!/usr/bin/env bash
# Regenerates distill-core/src/test/resources/hf-export.golden.json, the logits a plain-PyTorch BERT
# (reference/bert_reference.py) computes from a student exported as a Hugging Face directory. First let the export
# test write that directory (it fails without a golden file, saying so):
#
#   mvn -B -pl distill-core test -Dtest=HuggingFaceDirectoryTest
#   bash reference/make-hf-golden.sh
#
# PyTorch comes from Debian's python3-torch 1.13.1 (teachers/debian-torch.sh; nothing is installed).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
exported=distill-core/target/hf-export-golden
golden=distill-core/src/test/resources/hf-export.golden.json
if [[ ! -f "$exported/model.safetensors" || ! -f "$exported/inputs.json" ]]; then
    echo "error: $exported has no exported model; run HuggingFaceDirectoryTest first" >&2
    exit 1
fi

source teachers/debian-torch.sh
"$python" reference/bert_reference.py "$exported" "$exported/inputs.json" > "$golden.tmp"
mv "$golden.tmp" "$golden"
echo "wrote $golden"
