#!/bin/sh
# Lint: every C source and header of the tree matches .clang-format.
# The file list is taken when the test runs (tracked and new, not ignored).
cd "${1:-.}" || exit 2
if git rev-parse --git-dir >/dev/null 2>&1; then
  files=$( (git ls-files '*.c' '*.h'; git ls-files --others --exclude-standard '*.c' '*.h') | sort -u)
else
  files=$(find . -name '*.[ch]' -not -path './build*' | sort)
fi
[ -n "$files" ] || { echo "no C sources found"; exit 2; }
# shellcheck disable=SC2086
exec "${CLANG_FORMAT:-clang-format}" --dry-run -Werror --style=file $files
