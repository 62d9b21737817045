#!/usr/bin/env bash
# The figures of the scale table (BENCHMARKS.md), taken on one book:
#
#   scripts/scale-bench.sh [ACCOUNTS] [INTERACTIONS] [DIR]
#
# defaults 100000 1000000 /tmp/kam-scale. Builds the release binary and the
# pty driver, writes the demo book (unless DIR already holds one), then
# times the commands with /usr/bin/time (wall, CPU, max RSS) and the TUI in a
# pseudo-terminal. KAM_TODAY is fixed so the figures are reproducible.
set -euo pipefail
cd "$(dirname "$0")/.."

ACCOUNTS=${1:-100000}
INTERACTIONS=${2:-1000000}
DIR=${3:-/tmp/kam-scale}
export KAM_TODAY=${KAM_TODAY:-2026-11-01}
# Keep the bench's config, state and drafts out of the user's own.
export XDG_CONFIG_HOME="$DIR/xdg/config" XDG_STATE_HOME="$DIR/xdg/state" XDG_DATA_HOME="$DIR/xdg/data"
DB="$DIR/db"
KAM=target/release/kam

cargo build --release --quiet --bin kam --example pty_bench
mkdir -p "$DIR"

timed() { # label, command...
    local label=$1
    shift
    local t="$DIR/time.txt"
    /usr/bin/time -o "$t" -f '%e s wall, %U+%S s CPU, %M KB max RSS' "$@" >/dev/null 2>"$DIR/stderr.txt" ||
        { echo "failed: $*" >&2; cat "$DIR/stderr.txt" >&2; }
    printf '| %s | %s |\n' "$label" "$(tail -1 "$t")"
}

echo "| what ($ACCOUNTS accounts / $INTERACTIONS interactions) | figure |"
echo "|---|---|"
if [ ! -d "$DB" ]; then
    timed "kam demo" "$KAM" --no-server --db "$DB" demo --accounts "$ACCOUNTS" --interactions "$INTERACTIONS" --seed 7
fi
printf '| database on disk | %s |\n' "$(du -sh "$DB" | cut -f1)"
"$KAM" --db "$DB" server stop >/dev/null 2>&1 || true
timed "kam --no-server segments --json" "$KAM" --no-server --db "$DB" segments --json
timed "kam --no-server agenda --json" "$KAM" --no-server --db "$DB" agenda --json
timed "kam --no-server export interactions" "$KAM" --no-server --db "$DB" export interactions -o "$DIR/interactions.csv"
printf '| interactions CSV export | %s |\n' "$(du -sh "$DIR/interactions.csv" | cut -f1)"
# The export imported into a new book: its accounts, then every interaction.
"$KAM" --no-server --db "$DB" export accounts -o "$DIR/accounts.csv"
rm -rf "$DIR/imported"
timed "kam --no-server import accounts (into a new book)" "$KAM" --no-server --db "$DIR/imported" import accounts "$DIR/accounts.csv"
timed "kam --no-server import interactions (into that book)" "$KAM" --no-server --db "$DIR/imported" import interactions "$DIR/interactions.csv"
rm -rf "$DIR/imported"

# The server, started by the first command and kept for the warm figures.
KAM_SERVER_IDLE=600 "$KAM" --db "$DB" server status >/dev/null 2>&1 || true
start=$(date +%s%N)
KAM_SERVER_IDLE=600 "$KAM" --db "$DB" matrix >/dev/null
printf '| first command with no server (server start + load) | %d ms wall |\n' \
    $(( ($(date +%s%N) - start) / 1000000 ))
pid=$("$KAM" --db "$DB" server status --json | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
printf '| server memory after load (VmRSS) | %s |\n' "$(grep VmRSS /proc/"$pid"/status | awk '{print $2, $3}')"
timed "kam agenda --json (server warm)" "$KAM" --db "$DB" agenda --json
timed "kam agenda --json (again)" "$KAM" --db "$DB" agenda --json
timed "kam segments --json (server warm)" "$KAM" --db "$DB" segments --json
key=$("$KAM" --db "$DB" segments --json | sed -n 's/.*"key": "\([^"]*\)".*/\1/p' | sed -n 1p)
for n in 1 2 3; do
    timed "kam order $key (written through the warm server, $n)" "$KAM" --db "$DB" order "$key" 100 -m bench
done
printf '| server memory after the writes (VmRSS) | %s |\n' "$(grep VmRSS /proc/"$pid"/status | awk '{print $2, $3}')"
"$KAM" --db "$DB" server stop >/dev/null 2>&1 || true

echo
echo "TUI in a pseudo-terminal (200x50):"
target/release/examples/pty_bench --kam "$KAM" --db "$DB" --size 200x50 --runs 2
"$KAM" --db "$DB" server stop >/dev/null 2>&1 || true
