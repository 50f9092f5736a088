#!/usr/bin/env bash
# Regenerate docs/screenshots/*.png from the bot's real answers:
#   1. npm packages into tools/screenshots/node_modules (git-ignored) if missing,
#   2. record.py: the fake Discord + `python -m bot run`, the script of interactions -> out/answers.json
#      (about 1.5 minutes: it waits for the daily post at its minute on the real clock),
#   3. render.mjs: each answer drawn in headless Chromium -> docs/screenshots/<slug>.png.
# Extra arguments go to record.py (e.g. --no-daily, --only help,event-show). Development tooling only.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
python="${PYTHON:-$repo/.venv/bin/python}"
chromium="${CHROMIUM:-/usr/bin/chromium}"

need() { command -v "$1" >/dev/null 2>&1; }

if [[ ! -x "$python" ]]; then
    echo "no Python venv at $python: run 'python3 -m venv .venv && .venv/bin/pip install -e .[dev]' first (or set PYTHON)" >&2
    exit 1
fi
missing=()
[[ -x "$chromium" ]] || missing+=(chromium)
need node || missing+=(nodejs)
need npm || missing+=(npm)
need pngquant || missing+=(pngquant)
fc-list 2>/dev/null | grep -i "Noto Color Emoji" >/dev/null || missing+=(fonts-noto-color-emoji)
fc-list 2>/dev/null | grep -i "Noto Sans" >/dev/null || missing+=(fonts-noto-core)
if ((${#missing[@]})); then
    if [[ $(id -u) == 0 ]] && need apt-get; then
        echo "installing from Debian: ${missing[*]}"
        apt-get install -y -q "${missing[@]}" >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
    else
        echo "please install (Debian): sudo apt-get install ${missing[*]}" >&2
        [[ " ${missing[*]} " == *" chromium "* || " ${missing[*]} " == *" nodejs "* || " ${missing[*]} " == *" npm "* ]] && exit 1
    fi
fi

if [[ ! -d "$here/node_modules/@skyra/discord-components-core" || ! -d "$here/node_modules/playwright-core" ]]; then
    echo "installing the npm packages into tools/screenshots/node_modules"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

(cd "$here" && node --test --test-reporter=dot markdown.test.mjs)

cd "$repo"
status=0
"$python" "$here/record.py" "$@" || status=$?
if [[ ! -f "$here/out/answers.json" ]]; then
    echo "record.py wrote nothing" >&2
    exit 1
fi
CHROMIUM="$chromium" node "$here/render.mjs" || status=$?
if ((status)); then
    echo "done, with problems (see above)" >&2
fi
exit "$status"
