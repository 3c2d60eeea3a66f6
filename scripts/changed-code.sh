#!/bin/sh
# Which CI path a push takes: prints "code=false" when every file changed between BASE and
# HEAD is under content/ (an editor's push: check, strict build, site check, deploy), and
# "code=true" otherwise — code, theme, settings, tests, or a history it cannot compare (a new
# branch, a force push), which run the whole test suite first.
# Usage: sh scripts/changed-code.sh BASE HEAD >> "$GITHUB_OUTPUT"
set -eu
base=${1:-}
head=${2:-HEAD}
case "$base" in
    *[!0-9a-f]*) echo "code=true"; exit 0 ;;  # not a commit id: never handed to git as an option
    "" | *[!0]*) ;;
    *) echo "code=true"; exit 0 ;;  # 0000…: no previous commit to compare with
esac
if [ -z "$base" ] || ! changed=$(git diff --name-only "$base" "$head" 2>/dev/null); then
    echo "code=true"
    exit 0
fi
if [ -z "$changed" ] || printf '%s\n' "$changed" | grep -qv '^content/'; then
    echo "code=true"
else
    echo "code=false"
fi
