#!/usr/bin/env bash
# The GitHub Action's check step (action.yml runs it; tests/action.rs runs it as GitHub
# would). Inputs arrive as environment variables only, never in the script's text:
#   INPUT_PATHS        paths to check, separated by white space or new lines (default ".")
#   INPUT_CONFIG       a configuration file (default: the one deploylint finds)
#   INPUT_FAIL_ON      error | warning | note | never (default: deploylint's own, warning)
#   INPUT_SARIF_FILE   where the SARIF report goes (default deploylint.sarif)
#   INPUT_ANNOTATIONS  "true" prints the findings as annotations
#   INPUT_UPLOAD       "true" asks for the SARIF upload (skipped for a fork's pull request)
#   DEPLOYLINT         the binary (default: deploylint on PATH)
# It writes the SARIF file and, to $GITHUB_OUTPUT, sarif-file, findings, errors, upload and
# status: the exit status the action ends with, per fail-on. The step itself always succeeds,
# so that the SARIF upload runs before the action fails.
set -uo pipefail

bin="${DEPLOYLINT:-deploylint}"
sarif="${INPUT_SARIF_FILE:-deploylint.sarif}"
output="${GITHUB_OUTPUT:-/dev/null}"

paths=()
for p in ${INPUT_PATHS:-.}; do
  paths+=("$p")
done
[ "${#paths[@]}" -gt 0 ] || paths=(.)

options=()
if [ -n "${INPUT_CONFIG:-}" ]; then
  options+=(--config "$INPUT_CONFIG")
fi
fail_on=()
if [ -n "${INPUT_FAIL_ON:-}" ]; then
  case "$INPUT_FAIL_ON" in
    error|warning|note|never) fail_on=(--fail-on "$INPUT_FAIL_ON") ;;
    *)
      echo "::error title=deploylint::fail-on is error, warning, note or never, not \`$INPUT_FAIL_ON\`"
      echo "status=2" >> "$output"
      exit 0
      ;;
  esac
fi

# The SARIF report, whatever the findings.
mkdir -p "$(dirname "$sarif")"
"$bin" check "${paths[@]}" "${options[@]+"${options[@]}"}" --format sarif --output "$sarif" --fail-on never
code=$?
if [ "$code" -ne 0 ]; then
  # 2: bad configuration, a path that does not exist: said on stderr already.
  echo "::error title=deploylint::deploylint could not run (exit $code); see the log above"
  echo "status=$code" >> "$output"
  exit 0
fi

# The verdict per fail-on, and the counts.
json="$(mktemp)"
"$bin" check "${paths[@]}" "${options[@]+"${options[@]}"}" --format json --output "$json" "${fail_on[@]+"${fail_on[@]}"}"
status=$?
count() { sed -n "s/^    \"$1\": \([0-9]*\),*$/\1/p" "$json" | tail -n 1; }
findings="$(count findings)"
errors="$(count errors)"
warnings="$(count warnings)"
notes="$(count notes)"
rm -f "$json"

if [ "${INPUT_ANNOTATIONS:-true}" = "true" ]; then
  # GitHub shows the first annotations of each kind per step: the most severe first.
  annotations="$(mktemp)"
  "$bin" check "${paths[@]}" "${options[@]+"${options[@]}"}" --format github --output "$annotations" --fail-on never
  grep '^::error' "$annotations"
  grep '^::warning' "$annotations"
  grep '^::notice' "$annotations"
  rm -f "$annotations"
  echo "::notice title=deploylint::${findings:-0} findings (${errors:-0} errors, ${warnings:-0} warnings, ${notes:-0} notes); SARIF report: $sarif"
fi

# A pull request from a fork gets a token that cannot write security events.
upload="${INPUT_UPLOAD:-true}"
if [ "$upload" = "true" ] && [ "${GITHUB_EVENT_NAME:-}" = "pull_request" ] && [ -f "${GITHUB_EVENT_PATH:-}" ]; then
  head_repo="$(sed -n 's/.*"head"[^}]*"repo"[^}]*"full_name": *"\([^"]*\)".*/\1/p' "$GITHUB_EVENT_PATH" | head -n 1)"
  if command -v python3 > /dev/null; then
    head_repo="$(python3 -c 'import json, sys; e = json.load(open(sys.argv[1])); print(((e.get("pull_request") or {}).get("head") or {}).get("repo", {}).get("full_name", ""))' "$GITHUB_EVENT_PATH" 2> /dev/null || echo "$head_repo")"
  fi
  if [ -n "$head_repo" ] && [ "$head_repo" != "${GITHUB_REPOSITORY:-}" ]; then
    echo "::notice title=deploylint::SARIF upload skipped: a pull request from a fork cannot write security events; the annotations and the exit status still apply"
    upload=false
  fi
fi

{
  echo "sarif-file=$sarif"
  echo "findings=${findings:-0}"
  echo "errors=${errors:-0}"
  echo "upload=$upload"
  echo "status=$status"
} >> "$output"
exit 0
