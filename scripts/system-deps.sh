#!/usr/bin/env bash
# Installs the Debian packages that `make test` needs beyond Python, when they are missing:
#   postgresql       the second database the suite runs on (a throwaway server, see scripts/test.sh)
#   chromium         the browser the e2e tests drive through Playwright (its own download cannot work
#                    here, so we use Debian's build at /usr/bin/chromium)
#   chromium-driver  ChromeDriver matching that build, for anyone driving it over WebDriver
#   fonts-noto-cjk   Chinese glyphs, without which screenshots of the pages show empty boxes
# Quiet and quick when everything is there; safe to run any number of times.
set -euo pipefail

PACKAGES=(postgresql chromium chromium-driver fonts-noto-cjk)

installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

if ! command -v dpkg-query >/dev/null; then
    echo "system-deps: not a Debian system; install by hand: ${PACKAGES[*]}" >&2
    exit 1
fi

missing=()
for package in "${PACKAGES[@]}"; do
    installed "$package" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "system-deps: missing Debian packages: ${missing[*]}" >&2
    echo "install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
