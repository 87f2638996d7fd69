#!/usr/bin/env bash
# Runs every benchmark of mailharness beside its peer, on this machine, in
# one run, and prints the tables of bench/RESULTS.md.
#
#   bench/run.sh            (from the workspace root)
#
# Needs: Postfix's smtp-sink (/usr/sbin), python3 with dkimpy, pyspf,
# authheaders and dnspython (tests/independent/requirements.txt), dig.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -q -p mailharness -p mailharness-bench
TARGET=${CARGO_TARGET_DIR:-target}
BENCH=$TARGET/release/mailharness-bench
HARNESS=$TARGET/release/mailharness
WORK=$(mktemp -d)
SINK_PID=
cleanup() {
  if [ -n "$SINK_PID" ]; then kill "$SINK_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "## machine"
echo "nproc: $(nproc)"
grep -m1 'model name' /proc/cpuinfo
grep MemTotal /proc/meminfo
if command -v lscpu >/dev/null 2>&1; then
  lscpu | grep -E '^(Architecture|CPU\(s\)|Model name|Thread|Core|Socket|Hypervisor|L2|L3)'
fi
echo "load at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# --- capture ingest vs smtp-sink --------------------------------------------
# A free loopback port for smtp-sink: bind port 0, read it back, release it.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# -c counts (no output until the end), 1000 is the listen backlog; as root,
# smtp-sink insists on dropping privileges (-u).
SINK_USER=()
if [ "$(id -u)" = 0 ]; then SINK_USER=(-u nobody); fi
/usr/sbin/smtp-sink "${SINK_USER[@]}" -c 127.0.0.1:"$PORT" 1000 >"$WORK/smtp-sink.log" 2>&1 &
SINK_PID=$!
for _ in $(seq 50); do
  (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break
  sleep 0.1
done

echo "## capture ingest (messages/s; ratio = capture / smtp-sink)"
echo "| clients | size | messages | capture msg/s | smtp-sink msg/s | ratio | capture stored intact |"
echo "|---:|---:|---:|---:|---:|---:|---|"
field() { tr ' ' '\n' | sed -n "s/^$1=//p"; }
for size in 4096 102400; do
  if [ "$size" = 4096 ]; then messages=20000; else messages=2000; fi
  for clients in 1 8 64; do
    ours=$("$BENCH" capture --clients "$clients" --size "$size" --messages "$messages")
    theirs=$("$BENCH" capture --clients "$clients" --size "$size" --messages "$messages" \
      --target 127.0.0.1:"$PORT")
    o=$(echo "$ours" | field msgs_per_s)
    t=$(echo "$theirs" | field msgs_per_s)
    i=$(echo "$ours" | field intact)
    r=$(python3 -c "print(f'{$o/$t:.2f}')")
    echo "| $clients | $size | $messages | $o | $t | $r | $i |"
  done
done
kill "$SINK_PID"; SINK_PID=
echo

# --- verification vs dkimpy + pyspf + authheaders ---------------------------
echo "## verification (SES custom MAIL FROM + Easy DKIM: SPF, two DKIM signatures, DMARC)"
"$HARNESS" run scenarios/ses/custom.toml --save "$WORK/saved" --quiet >/dev/null
SAVED="$WORK/saved/ses-custom"
# The fair peer: authheaders given the Public Suffix List parsed once
# (verify_loop.py --psl-once), as a careful user would.
echo "### the whole verdict, one message at a time, against the fair peer"
"$BENCH" verify --dir "$SAVED" --messages 4000 \
  --peer bench/verify_loop.py --peer-messages 300 --peer-arg=--psl-once
echo "### the whole verdict, 16 messages at a time (the peer has no such mode)"
"$BENCH" verify --dir "$SAVED" --messages 8000 --concurrency 16
echo "### DKIM alone (both signatures) against dkimpy"
"$BENCH" verify --dir "$SAVED" --messages 4000 --mechanism dkim \
  --peer bench/verify_loop.py --peer-messages 300
echo "### SPF alone (MAIL FROM and HELO) against pyspf"
"$BENCH" verify --dir "$SAVED" --messages 4000 --mechanism spf \
  --peer bench/verify_loop.py --peer-messages 300
echo "### for the record: the earlier, unfair peer (the PSL re-parsed on every lookup)"
"$BENCH" verify --dir "$SAVED" --messages 4000 \
  --peer bench/verify_loop.py --peer-messages 100
echo

# --- mock DNS ------------------------------------------------------------------
echo "## mock DNS over UDP (no dnsperf here: dig in a loop is a weak peer)"
"$BENCH" dns --queries 200000 --sockets 16 --dig-queries 200
echo

# --- suite -----------------------------------------------------------------
echo "## suite (release)"
"$BENCH" suite --binary "$HARNESS" --scenarios scenarios
echo
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
