#!/usr/bin/env bash
# The GitHub Action's install step for a released version (action.yml runs it when `version`
# is set; tests/action.rs runs it against a fake release). Environment:
#   VERSION        the release, `0.2.0` or `v0.2.0`
#   RUNNER_OS      Linux | macOS | Windows, RUNNER_ARCH X64 | ARM64 (GitHub sets them)
#   RELEASE_BASE   where releases live (default https://github.com/deploylint/deploylint/releases/download);
#                  a local folder works too
#   RUNNER_TEMP    where to unpack (GitHub sets it)
# Downloads deploylint-<target>.tar.gz (.zip on Windows) and its .sha256, refuses an archive
# whose checksum differs, verifies its build provenance with `gh attestation verify` when gh
# is there, and writes `bin=<path>` to $GITHUB_OUTPUT and the folder to $GITHUB_PATH.
set -euo pipefail

version="${VERSION#v}"
case "$version" in
  ''|*[!0-9A-Za-z.+-]*) echo "::error title=deploylint::version \`${VERSION:-}\` is not a release version such as 0.2.0"; exit 2 ;;
esac
case "${RUNNER_OS:-Linux}-${RUNNER_ARCH:-X64}" in
  Linux-X64) target=x86_64-unknown-linux-musl ;;
  Linux-ARM64) target=aarch64-unknown-linux-musl ;;
  macOS-X64) target=x86_64-apple-darwin ;;
  macOS-ARM64) target=aarch64-apple-darwin ;;
  Windows-X64) target=x86_64-pc-windows-msvc ;;
  *) echo "::error title=deploylint::no release build for ${RUNNER_OS:-?} ${RUNNER_ARCH:-?}; leave \`version\` empty to build from source"; exit 2 ;;
esac
archive="deploylint-$target.tar.gz"
[ "${RUNNER_OS:-Linux}" = "Windows" ] && archive="deploylint-$target.zip"
base="${RELEASE_BASE:-https://github.com/deploylint/deploylint/releases/download}/v$version"
dest="${RUNNER_TEMP:-$(mktemp -d)}/deploylint-$version"
mkdir -p "$dest"

fetch() {
  if [ -d "${RELEASE_BASE:-}" ]; then
    cp "$base/$1" "$dest/$1"
  else
    curl --fail --silent --show-error --location --retry 3 --output "$dest/$1" "$base/$1"
  fi
}
fetch "$archive"
fetch "$archive.sha256"

expected="$(cut -d ' ' -f 1 < "$dest/$archive.sha256")"
if command -v sha256sum > /dev/null; then
  actual="$(sha256sum "$dest/$archive" | cut -d ' ' -f 1)"
else
  actual="$(shasum -a 256 "$dest/$archive" | cut -d ' ' -f 1)"
fi
if [ -z "$expected" ] || [ "$expected" != "$actual" ]; then
  echo "::error title=deploylint::$archive does not match its checksum (expected ${expected:-none}, got $actual): not installed"
  exit 1
fi
if command -v gh > /dev/null && [ -n "${GH_TOKEN:-}" ] && [ ! -d "${RELEASE_BASE:-}" ]; then
  gh attestation verify "$dest/$archive" --repo deploylint/deploylint
fi

case "$archive" in
  *.zip) unzip -q -o "$dest/$archive" -d "$dest" ;;
  *) tar -xzf "$dest/$archive" -C "$dest" ;;
esac
binary="$dest/deploylint"
[ "${RUNNER_OS:-Linux}" = "Windows" ] && binary="$dest/deploylint.exe"
"$binary" --version
echo "bin=$binary" >> "${GITHUB_OUTPUT:-/dev/null}"
echo "$dest" >> "${GITHUB_PATH:-/dev/null}"
