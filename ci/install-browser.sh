#!/usr/bin/env bash
# Installs the browser of the console's browser tests (tests/browser/): Debian's Chromium.
# Called by .ci/run (as root on a fresh machine) and by the GitHub workflow. Does nothing
# when a Chromium or Chrome is already on PATH. Never runs `playwright install`: the tests
# drive the system browser through Playwright's executable_path.
set -euo pipefail

for browser in chromium google-chrome; do
    if command -v "$browser" >/dev/null; then
        echo "install-browser: $("$browser" --version 2>/dev/null || echo "$browser") is installed"
        exit 0
    fi
done

if [[ $(id -u) -ne 0 ]]; then
    exec sudo --preserve-env=DEBIAN_FRONTEND bash "$0" "$@"
fi
export DEBIAN_FRONTEND=noninteractive
echo "install-browser: apt-get install chromium (for tests/browser/)"
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "install-browser: $(chromium --version) installed"
