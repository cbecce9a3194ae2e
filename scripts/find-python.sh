#!/usr/bin/env bash
# Prints the path of a Python >= 3.12 that really runs. Shims (pyenv's python3.12 with no
# version selected) exist but fail when run, so each candidate is run, not just found.
set -u
ok() { "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }
cands=()
[ -n "${ZHIDU_PYTHON:-}" ] && cands+=("$ZHIDU_PYTHON")
cands+=(python3.13 python3.12 python3 python)
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null)
  for d in "$root"/versions/3.1[2-9]*; do [ -x "$d/bin/python3" ] && cands+=("$d/bin/python3"); done
fi
for d in "$HOME"/.pyenv/versions/3.1[2-9]* /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do
  [ -x "$d/bin/python3" ] && cands+=("$d/bin/python3")
  [ -x "$d" ] && [ -f "$d" ] && cands+=("$d")
done
for c in "${cands[@]}"; do
  p=$(command -v "$c" 2>/dev/null) || continue
  if ok "$p"; then echo "$p"; exit 0; fi
done
echo "Zhidu needs Python 3.12 or newer (with venv), and none of these ran: ${cands[*]}" >&2
echo "Install one, e.g. 'apt-get install python3.12 python3.12-venv' or 'pyenv install 3.12', or set ZHIDU_PYTHON=/path/to/python3.12." >&2
exit 1
