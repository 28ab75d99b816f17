#!/usr/bin/env bash
# Exactly what CI runs: formatting, lints, then every test, including the
# end-to-end tests on real lab hosts (root required; they fail, never skip,
# without a lab). Run as root after scripts/setup-debian.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --all-targets --quiet -- -D warnings
lab/lab build >/dev/null
# Start the lab tests from a clean slate: a previous session may have left
# hosts (or their stale state) behind. The tests bring up what they need.
lab/lab down >/dev/null 2>&1 || true
rm -f target/lab-measurements.txt
set +e
cargo test --no-fail-fast 2>&1 | tee target/test.log
status=${PIPESTATUS[0]}
set -e
if [ -f target/lab-measurements.txt ]; then
  echo "--- measured on the lab"
  cat target/lab-measurements.txt
fi
lab/lab down >/dev/null 2>&1 || true
grep -E '^test result' target/test.log | awk '{p+=$4; f+=$6} END {print "all tests: " p " passed, " f " failed"}'
exit "$status"
