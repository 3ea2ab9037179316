#!/bin/bash
# Makes the PyTorch peer's venv (default /tmp/torch-peer, or $TORCH_VENV): a CPU build of torch and numpy.
# Local wheel folders are used where the machine has them (no network needed), else the package index.
set -euo pipefail
venv=${TORCH_VENV:-/tmp/torch-peer}
[ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import torch" 2>/dev/null && exit 0
python3 -m venv "$venv"
links=()
for d in /opt/wheels /opt/pypi/files; do [ -d "$d" ] && links+=(--find-links "$d"); done
if [ ${#links[@]} -gt 0 ]; then
  "$venv/bin/pip" install -q --no-index "${links[@]}" "torch==2.13.0+cpu" numpy
else
  "$venv/bin/pip" install -q --index-url https://download.pytorch.org/whl/cpu torch numpy
fi
"$venv/bin/python" -c "import torch; print('torch', torch.__version__, 'in', '$venv')"
