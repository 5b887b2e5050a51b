#!/usr/bin/env bash
# Create (or update) the benchmark virtualenv .venv-bench at the repo root: blocksift itself (editable) plus
# the peer extractors pinned in benchmarks/requirements.txt. The peers are never blocksift's dependencies.
# Usage: bash benchmarks/setup_env.sh        (PYTHON=/path/to/python3.11 to pick another interpreter)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.venv-bench"
python="${PYTHON:-python3.11}"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
# pip 23 fails to resolve jusText's lxml[html_clean] extra ("Internal issue: Candidate is not for this requirement").
"$venv/bin/python" -m pip install --quiet --upgrade "pip>=24"
"$venv/bin/python" -m pip install --quiet -e "$repo" -r "$repo/benchmarks/requirements.txt"
"$venv/bin/python" -c "import trafilatura, readability, justext, boilerpy3, goose3, newspaper, resiliparse"
echo "benchmark env ready: $venv/bin/python $repo/benchmarks/compare.py --help"
