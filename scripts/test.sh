#!/bin/sh
# The project's test command (README "Test"; .ci/run calls exactly this).
# It installs what the tests need that Go does not fetch itself (Debian's
# chromium for the browser test), then checks formatting, vets and tests.
set -eu
cd "$(dirname "$0")/.."

sh scripts/install-chromium.sh

unformatted=$(gofmt -l . | grep -v '^testdata/' || true)
if [ -n "$unformatted" ]; then
	echo "gofmt needed on:" >&2
	echo "$unformatted" >&2
	exit 1
fi
go vet ./...
go test -count=1 ./... "$@"
