#!/usr/bin/env bash
# Regenerates the TorchScript test fixtures in distill-core/src/test/resources/torchscript/ and prints their
# sha256. Run from anywhere in the repository on Debian 12 (bookworm) as root with apt access:
#
#   bash teachers/make-fixtures.sh
#
# PyTorch comes from Debian's python3-torch 1.13.1 package, fetched and unpacked by teachers/debian-torch.sh
# (nothing is installed).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=distill-core/src/test/resources/torchscript
export_script=teachers/export_torchscript.py

source teachers/debian-torch.sh
mkdir -p "$out"

"$python" "$export_script" --fixture tiny-teacher --seed 0 --out "$out/tiny-teacher.pt"
"$python" "$export_script" --fixture wrong-inputs --seed 0 --out "$out/wrong-inputs.pt"
"$python" "$export_script" --fixture wrong-outputs --seed 0 --out "$out/wrong-outputs.pt"
"$python" "$export_script" --golden "$out/tiny-teacher.pt" --out "$out/tiny-teacher.golden.json"

echo
(cd "$out" && sha256sum tiny-teacher.pt tiny-teacher.golden.json wrong-inputs.pt wrong-outputs.pt)
