#!/bin/sh
# Installs Debian's chromium for report/browser_test.go when it is missing.
# The browser test skips without it; the project test script calls this so
# CI runs the test. Needs root (or sudo) and the Debian archive.
set -eu

if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-chromium: apt-get not found; the browser test will be skipped" >&2
	exit 0
fi
SUDO=
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "install-chromium: not root and no sudo; the browser test will be skipped" >&2
		exit 0
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
