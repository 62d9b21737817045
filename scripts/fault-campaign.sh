#!/usr/bin/env bash
# The fault campaign, longer than the test suite runs it (see RELIABILITY.md).
#
#   scripts/fault-campaign.sh            # a longer run (defaults below)
#   ROUNDS=20 KILLS=5 OFFSETS=200 CASES=5000 SEED=42 scripts/fault-campaign.sh
#
# ROUNDS   kill -9 rounds (three writing clients each)          default 10
# KILLS    server kills per round                               default 4
# OFFSETS  damaged offsets per database file (flip and cut)     default 96
# CASES    property-test cases per parser                       default 2000
# SEED     seed of the kill timing                              default: time
#
# Prints the campaign's figures (FAULT-CAMPAIGN lines) and exits non-zero
# when any fault lost an acknowledged write or broke a promise.
set -euo pipefail
cd "$(dirname "$0")/.."

export KAM_FAULT_ROUNDS="${ROUNDS:-10}"
export KAM_FAULT_KILLS="${KILLS:-4}"
export KAM_FAULT_OFFSETS="${OFFSETS:-96}"
export PROPTEST_CASES="${CASES:-2000}"
export KAM_FAULT_SEED="${SEED:-$(date +%s)}"

echo "fault campaign: rounds=$KAM_FAULT_ROUNDS kills=$KAM_FAULT_KILLS offsets=$KAM_FAULT_OFFSETS cases=$PROPTEST_CASES seed=$KAM_FAULT_SEED"
start=$(date +%s)
log=/tmp/kam-fault-campaign.log
status=0
cargo test --test faults_kill --test faults_storage --test faults_disk \
    --test faults_fuzz --test faults_escape -- --nocapture --test-threads=1 >"$log" 2>&1 || status=$?
grep -oE 'FAULT-CAMPAIGN.*|^test result.*|^test .*FAILED' "$log" || true
echo "fault campaign: $(( $(date +%s) - start ))s, exit $status (full log: $log)"
exit "$status"
