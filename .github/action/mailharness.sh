#!/usr/bin/env bash
# The shell logic of the mailharness GitHub Action (action.yml at the
# repository's root), in a file of its own so that it runs, and is
# tested, outside GitHub (tests/it/action.rs): point GITHUB_STEP_SUMMARY,
# GITHUB_OUTPUT and RUNNER_TEMP at files and folders of your own.
#
#   mailharness.sh plan      where the binary goes and the cache key for it
#   mailharness.sh install   cargo install the binary there
#   mailharness.sh run       run the scenarios (and diff against a base)
#
# Inputs come as the Action passes them, in INPUT_* variables:
# INPUT_SCENARIOS (files or folders, separated by whitespace),
# INPUT_VERSION, INPUT_ARGS, INPUT_DIFF_BASE, INPUT_FAIL_ON,
# INPUT_PARTITION. MAILHARNESS names the binary to run (default:
# mailharness on PATH).
set -euo pipefail

# GitHub's files for a step's outputs, its job summary and its PATH; a
# run outside GitHub that sets none of them writes them nowhere.
output() { echo "$1=$2" >>"${GITHUB_OUTPUT:-/dev/null}"; }

# An error annotation without a file, for the Action's own usage errors.
fail_usage() {
  echo "::error title=mailharness::$1"
  exit 2
}

# The installation root, kept across runs by actions/cache.
install_root() { echo "${MAILHARNESS_INSTALL_ROOT:-$HOME/.mailharness-action}"; }

# A tag (v0.1.0) or a commit of the Action's repository, or empty for the
# Action's own checkout.
version() { echo "${INPUT_VERSION:-}"; }

plan() {
  local root key
  root="$(install_root)"
  if [ -n "$(version)" ]; then
    key="$(version)"
  else
    # The Action's own checkout has no .git: the key is its sources'
    # digest, so that a moved branch or tag installs again.
    key="src-$(cd "${GITHUB_ACTION_PATH:?}" \
      && find Cargo.lock Cargo.toml auth harness mock-dns receivers -type f -print0 \
      | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
  fi
  output root "$root"
  output cache-key "mailharness-${RUNNER_OS:-local}-${RUNNER_ARCH:-local}-$key"
  echo "$root/bin" >>"${GITHUB_PATH:-/dev/null}"
}

install() {
  local root
  root="$(install_root)"
  command -v cargo >/dev/null 2>&1 \
    || fail_usage "cargo is missing: add a step with dtolnay/rust-toolchain@stable before this Action"
  local version
  version="$(version)"
  if [ -z "$version" ]; then
    cargo install --locked --root "$root" --path "${GITHUB_ACTION_PATH:?}/harness"
  else
    local repo="${MAILHARNESS_REPOSITORY:-${GITHUB_ACTION_REPOSITORY:-}}"
    [ -n "$repo" ] || fail_usage "version: the Action's repository is unknown (GITHUB_ACTION_REPOSITORY is empty)"
    local ref=(--tag "$version")
    if [[ "$version" =~ ^[0-9a-f]{7,40}$ ]]; then ref=(--rev "$version"); fi
    cargo install --locked --root "$root" --git "https://github.com/$repo" "${ref[@]}" mailharness
  fi
}

run() {
  local bin="${MAILHARNESS:-mailharness}"
  local fail_on="${INPUT_FAIL_ON:-unmet}"
  case "$fail_on" in
    unmet | changed | never) ;;
    *) fail_usage "fail-on: expected one of unmet, changed, never, found \"$fail_on\"" ;;
  esac
  local scenarios extra partition=()
  read -r -a scenarios <<<"${INPUT_SCENARIOS:-scenarios/}"
  [ "${#scenarios[@]}" -gt 0 ] || scenarios=(scenarios/)
  read -r -a extra <<<"${INPUT_ARGS:-}"
  local shard="" artifact=mailharness-reports
  if [ -n "${INPUT_PARTITION:-}" ]; then
    # mailharness checks K and N; the artifact's name needs them apart.
    [[ "$INPUT_PARTITION" =~ ^([0-9]+)/([0-9]+)$ ]] \
      || fail_usage "partition: expected K/N (shard K of N, e.g. 1/3), found \"$INPUT_PARTITION\""
    shard="${BASH_REMATCH[1]}"
    partition=(--partition "$INPUT_PARTITION")
    artifact="mailharness-reports-${BASH_REMATCH[1]}-of-${BASH_REMATCH[2]}"
  fi
  local reports="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/$artifact"
  rm -rf "$reports"
  mkdir -p "$reports"
  output reports "$reports"
  output artifact "$artifact"
  local summary="${GITHUB_STEP_SUMMARY:-$reports/summary.md}"

  # The run: annotations in the log (GitHub reads them from stdout), the
  # job summary, and the reports for the artifact.
  local run_status=0
  "$bin" run "${scenarios[@]}" "${partition[@]}" --format github \
    --markdown "$reports/summary.md" --json "$reports/report.json" \
    --junit "$reports/junit.xml" --html "$reports/report.html" \
    "${extra[@]}" || run_status=$?
  if [ -f "$reports/summary.md" ]; then cat "$reports/summary.md" >>"$summary"; fi
  output run-exit-code "$run_status"

  # The diff: which verdicts the zone-file changes since the base flip,
  # with an annotation at each changed record's line. Once per suite: in
  # shard 1 of a partitioned run.
  local diff_status=0
  if [ -n "${INPUT_DIFF_BASE:-}" ] && { [ -z "$shard" ] || [ "$shard" = 1 ]; }; then
    local diff_fail_on=broken
    if [ "$fail_on" = changed ]; then diff_fail_on=changed; fi
    "$bin" diff "${scenarios[@]}" --before "git:$INPUT_DIFF_BASE" --format github \
      --fail-on "$diff_fail_on" --markdown "$reports/diff.md" --json "$reports/diff.json" \
      || diff_status=$?
    if [ -f "$reports/diff.md" ]; then
      printf '\n' >>"$summary"
      cat "$reports/diff.md" >>"$summary"
    fi
    output diff-exit-code "$diff_status"
  fi

  # 2 (a usage or scenario-file error) and 3 (the environment) fail the
  # step whatever fail-on says: nothing was checked.
  local status=0
  for s in "$run_status" "$diff_status"; do
    if [ "$s" -ge 2 ]; then status="$s"; fi
  done
  if [ "$status" -eq 0 ] && [ "$fail_on" != never ] \
    && { [ "$run_status" -eq 1 ] || [ "$diff_status" -eq 1 ]; }; then
    status=1
  fi
  if [ "$run_status" -eq 0 ]; then output passed true; else output passed false; fi
  return "$status"
}

case "${1:-}" in
  plan) plan ;;
  install) install ;;
  run) run ;;
  *)
    echo "usage: $0 plan|install|run" >&2
    exit 2
    ;;
esac
