#!/usr/bin/env bash
# A private venv for the cryptofeed 2.4.1 peer: it pins websockets/aiohttp versions Bot4's lock
# cannot share, so it lives here (gitignored .venv) and is driven as a subprocess by
# bench/marketdata.py. Idempotent: installs once, then only runs measure.py.
set -euo pipefail
cd "$(dirname "$0")"
# One installer at a time: a caller that timed out leaves its pip running, and the next call
# must wait for it rather than install into the same venv beside it.
exec 9>.install.lock
flock 9
if [ ! -f .venv/.installed-2.4.1 ]; then
    python3 -m venv .venv
    .venv/bin/pip install -q "cryptofeed==2.4.1"
    touch .venv/.installed-2.4.1
fi
exec .venv/bin/python measure.py "$@"
