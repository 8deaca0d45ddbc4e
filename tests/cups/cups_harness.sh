#!/usr/bin/env bash
# A private CUPS world on loopback, for tests and the demo:
#   a D-Bus session bus, an ippeveprinter that keeps every document it gets,
#   and a cupsd with four queues:
#     everywhere  IPP Everywhere queue to the ippeveprinter
#     raw         raw queue to the ippeveprinter (documents pass untouched)
#     capture     PPD queue whose filter copies each document to DIR/capture
#     badfilter   PPD queue whose filter fails (fault injection)
#
#   cups_harness.sh start DIR [--cups-port N] [--eve-port N]   (ports: see pick_port)
#   cups_harness.sh stop DIR
#
# `start` writes DIR/harness.env (CUPS_SERVER, EVE_URI, EVE_SPOOL, CAPTURE_DIR,
# FAULT_FILE) and exits 0 only when every piece answers; otherwise it prints
# why, stops what it started and exits 1. `stop` ends everything by PID.
#
# Faults: write to DIR/fault (read by the printer for each job):
#   fail           the job aborts (the print command exits 1)
#   fail-from N    the Nth job the printer processes, and every later one, aborts
#   slow SECONDS   each job takes that long
#   media-empty    the printer reports media-empty until DIR/fault changes
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR [--cups-port N] [--eve-port N]" >&2; exit 2; }
shift 2
dir=$(realpath -m "$dir")

stop_all() {
  for name in cupsd eve dbus; do
    if [ -f "$dir/$name.pid" ]; then
      pid=$(cat "$dir/$name.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/$name.pid"
    fi
  done
}

if [ "$cmd" = stop ]; then
  stop_all
  exit 0
fi
[ "$cmd" = start ] || { echo "unknown command $cmd" >&2; exit 2; }

cups_port= eve_port=
while [ $# -gt 0 ]; do
  case $1 in
    --cups-port) cups_port=$2; shift 2 ;;
    --eve-port) eve_port=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

# Ports are picked below Linux's ephemeral range (32768 and up), where the
# kernel hands out the local ports of outgoing connections: a port probed free
# there can be taken by a client before cupsd binds it. Even so another test
# can take a port between the probe and the bind, so a server that cannot bind
# its picked port is started again on another (a port given on the command
# line is kept). CUPS_HARNESS_PORTS, a space-separated list, is tried first:
# the harness's own test uses it to hand out a port it holds.
read -r -a preferred_ports <<<"${CUPS_HARNESS_PORTS:-}"
pick_port() {  # sets $picked; no subshell, so the preferred list is consumed
  local p
  if [ "${#preferred_ports[@]}" -gt 0 ]; then
    picked=${preferred_ports[0]}; preferred_ports=("${preferred_ports[@]:1}"); return 0
  fi
  for _ in $(seq 100); do
    p=$(( RANDOM % 12000 + 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then picked=$p; return 0; fi
  done
  echo "no free port found" >&2; return 1
}
cups_port_given=$cups_port eve_port_given=$eve_port
[ -n "$eve_port" ] || { pick_port; eve_port=$picked; }
[ -n "$cups_port" ] || { pick_port; cups_port=$picked; }

for tool in dbus-daemon ippeveprinter ipptool cupsd lpadmin lpstat; do
  command -v "$tool" >/dev/null || { echo "cups_harness: $tool is not installed (run scripts/install-deps.sh)" >&2; exit 1; }
done

fail() {
  echo "cups_harness: $*" >&2
  for log in "$dir/eve.log" "$dir/cups/log/error_log"; do
    [ -f "$log" ] && { echo "--- $log (last lines)" >&2; tail -n 15 "$log" >&2; }
  done
  stop_all
  exit 1
}
trap 'fail "unexpected error on line $LINENO"' ERR

mkdir -p "$dir"
# cupsd's filters run as lp: they must be able to reach the capture folder.
chmod 0755 "$dir"
cd "$dir"

# 1. D-Bus: ippeveprinter wants a bus even with DNS-SD off.
dbus-daemon --session --address="unix:path=$dir/dbus.sock" --nopidfile --fork --print-pid=3 3>"$dir/dbus.pid"
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$dir/dbus.sock"

# 2. The virtual printer. Its print command honours DIR/fault.
mkdir -p "$dir/eve-spool"
: > "$dir/eve-processed.log"
cat > "$dir/eve-print.sh" <<EOF
#!/usr/bin/env bash
echo "\$IPP_JOB_ID \$1" >> "$dir/eve-processed.log"
fault=\$(cat "$dir/fault" 2>/dev/null || true)
case "\$fault" in
  fail) echo "ERROR: injected failure" >&2; exit 1 ;;
  fail-from*)
    if [ "\$(wc -l < "$dir/eve-processed.log")" -ge "\${fault#fail-from }" ]; then
      echo "ERROR: injected failure" >&2; exit 1
    fi ;;
  slow*) sleep "\${fault#slow }" ;;
  media-empty)
    echo "STATE: +media-empty-error" >&2
    while [ "\$(cat "$dir/fault" 2>/dev/null)" = media-empty ]; do sleep 0.1; done
    echo "STATE: -media-empty-error" >&2 ;;
esac
exit 0
EOF
chmod 0755 "$dir/eve-print.sh"
# Starts ippeveprinter on $eve_port; 1 when it exits (its port was taken).
start_eve() {
  ippeveprinter -p "$eve_port" -d "$dir/eve-spool" -k -r off \
    -f application/pdf,image/pwg-raster,image/urf,application/vnd.cups-raster,application/octet-stream \
    -c "$dir/eve-print.sh" certprint-test-printer >"$dir/eve.log" 2>&1 &
  echo $! > "$dir/eve.pid"
  eve_uri="ipp://127.0.0.1:$eve_port/ipp/print"
  for _ in $(seq 100); do
    ipptool -q "$eve_uri" get-printer-attributes.test 2>/dev/null && return 0
    kill -0 "$(cat "$dir/eve.pid")" 2>/dev/null || return 1
    sleep 0.05
  done
  ipptool -q "$eve_uri" get-printer-attributes.test || fail "ippeveprinter does not answer on port $eve_port"
}
for attempt in 1 2 3 4 5; do
  start_eve && break
  [ -z "$eve_port_given" ] && [ "$attempt" -lt 5 ] || fail "ippeveprinter exited"
  echo "cups_harness: ippeveprinter could not use port $eve_port; trying another" >&2
  rm -f "$dir/eve.pid"; pick_port; eve_port=$picked
done

# 3. cupsd with its own folders, loopback only.
c="$dir/cups"
mkdir -p "$c/etc/ppd" "$c/spool/tmp" "$c/cache" "$c/state" "$c/log" "$c/run" "$dir/capture" "$dir/filters"
chown root:lp "$c/spool" "$c/spool/tmp" "$c/cache"
chmod 0710 "$c/spool"; chmod 1770 "$c/spool/tmp"; chmod 0770 "$c/cache"
chmod 0777 "$dir/capture"
cat > "$c/etc/cupsd.conf" <<EOF
LogLevel info
PageLogFormat %p %j %T %P
Listen 127.0.0.1:$cups_port
Listen $c/run/cups.sock
Browsing No
BrowseLocalProtocols none
WebInterface No
DefaultAuthType None
PreserveJobHistory 300
PreserveJobFiles No
JobRetryInterval 5
<Location />
  Order allow,deny
  Allow from 127.0.0.1
  Allow from @LOCAL
</Location>
<Policy default>
  JobPrivateAccess default
  JobPrivateValues default
  SubscriptionPrivateAccess default
  SubscriptionPrivateValues default
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
EOF
cat > "$c/etc/cups-files.conf" <<EOF
ServerRoot $c/etc
RequestRoot $c/spool
TempDir $c/spool/tmp
CacheDir $c/cache
StateDir $c/state
ErrorLog $c/log/error_log
AccessLog $c/log/access_log
PageLog $c/log/page_log
Printcap $c/run/printcap
ServerBin /usr/lib/cups
DataDir /usr/share/cups
User lp
Group lp
SystemGroup root
FileDevice Yes
Sandboxing Relaxed
EOF

# Filters run as lp and must be root's and not writable by others.
cat > "$dir/filters/capture" <<EOF
#!/bin/sh
# argv: job-id user title copies options [file]
out="$dir/capture/\$1-\$(date +%s%N)"
if [ -n "\$6" ]; then cat "\$6" > "\$out"; else cat > "\$out"; fi
echo "INFO: captured \$(wc -c < "\$out") bytes" >&2
exit 0
EOF
cat > "$dir/filters/fail" <<'EOF'
#!/bin/sh
cat > /dev/null
echo "ERROR: injected filter failure" >&2
exit 1
EOF
chown root:root "$dir/filters" "$dir/filters/capture" "$dir/filters/fail"
chmod 0755 "$dir/filters" "$dir/filters/capture" "$dir/filters/fail"
make_ppd() {  # name filter
  cat > "$dir/$1.ppd" <<EOF
*PPD-Adobe: "4.3"
*FormatVersion: "4.3"
*FileVersion: "1.0"
*LanguageVersion: English
*LanguageEncoding: ISOLatin1
*PCFileName: "$1.ppd"
*Manufacturer: "certprint"
*Product: "(certprint test)"
*ModelName: "certprint $1 test queue"
*ShortNickName: "certprint $1"
*NickName: "certprint $1 test queue"
*PSVersion: "(3010.000) 0"
*LanguageLevel: "3"
*ColorDevice: False
*DefaultColorSpace: Gray
*FileSystem: False
*Throughput: "1"
*LandscapeOrientation: Plus90
*TTRasterizer: Type42
*cupsVersion: 2.4
*cupsFilter2: "application/pdf application/vnd.cups-raw 0 $dir/filters/$2"
*cupsFilter2: "application/vnd.cups-raster application/vnd.cups-raw 0 $dir/filters/$2"
*OpenUI *PageSize/Page Size: PickOne
*OrderDependency: 10 AnySetup *PageSize
*DefaultPageSize: Booklet
*PageSize Booklet/Booklet page 94x128mm: "<</PageSize[266.46 362.83]>>setpagedevice"
*CloseUI: *PageSize
*OpenUI *PageRegion: PickOne
*OrderDependency: 10 AnySetup *PageRegion
*DefaultPageRegion: Booklet
*PageRegion Booklet/Booklet page 94x128mm: "<</PageSize[266.46 362.83]>>setpagedevice"
*CloseUI: *PageRegion
*DefaultImageableArea: Booklet
*ImageableArea Booklet: "0 0 266.46 362.83"
*DefaultPaperDimension: Booklet
*PaperDimension Booklet: "266.46 362.83"
EOF
}
make_ppd capture capture
make_ppd badfilter fail

cupsd -t -c "$c/etc/cupsd.conf" -s "$c/etc/cups-files.conf" >/dev/null 2>&1 || fail "cupsd rejects its configuration"
# Starts cupsd listening on $cups_port; 1 when it cannot bind that port
# (cupsd then stays up on its socket alone, so it is stopped here).
start_cupsd() {
  sed -i "s/^Listen 127\.0\.0\.1:.*/Listen 127.0.0.1:$cups_port/" "$c/etc/cupsd.conf"
  : >"$c/log/error_log"
  cupsd -f -c "$c/etc/cupsd.conf" -s "$c/etc/cups-files.conf" >"$c/log/stdout" 2>&1 &
  echo $! > "$dir/cupsd.pid"
  export CUPS_SERVER="localhost:$cups_port"
  for _ in $(seq 100); do
    lpstat -r 2>/dev/null | grep -q "scheduler is running" && return 0
    kill -0 "$(cat "$dir/cupsd.pid")" 2>/dev/null || fail "cupsd exited"
    if grep -q "Unable to open listen socket" "$c/log/error_log" 2>/dev/null; then
      kill "$(cat "$dir/cupsd.pid")"; wait "$(cat "$dir/cupsd.pid")" 2>/dev/null || true
      rm -f "$dir/cupsd.pid"
      return 1
    fi
    sleep 0.05
  done
  lpstat -r 2>/dev/null | grep -q "scheduler is running" || fail "cupsd does not answer on port $cups_port"
}
for attempt in 1 2 3 4 5; do
  start_cupsd && break
  [ -z "$cups_port_given" ] && [ "$attempt" -lt 5 ] || fail "cupsd cannot listen on port $cups_port"
  echo "cups_harness: cupsd could not use port $cups_port; trying another" >&2
  pick_port; cups_port=$picked
done

lpadmin -p everywhere -E -v "$eve_uri" -m everywhere 2>>"$dir/lpadmin.log" || fail "cannot create the everywhere queue"
lpadmin -p raw -E -v "$eve_uri" 2>>"$dir/lpadmin.log" || fail "cannot create the raw queue"
lpadmin -p capture -E -v "file:///dev/null" -P "$dir/capture.ppd" 2>>"$dir/lpadmin.log" || fail "cannot create the capture queue"
lpadmin -p badfilter -E -v "file:///dev/null" -P "$dir/badfilter.ppd" 2>>"$dir/lpadmin.log" || fail "cannot create the badfilter queue"
for q in everywhere raw capture badfilter; do
  lpstat -p "$q" 2>/dev/null | grep -q enabled || fail "queue $q is not enabled"
done

cat > "$dir/harness.env" <<EOF
CUPS_SERVER=localhost:$cups_port
CUPS_PORT=$cups_port
EVE_PORT=$eve_port
EVE_URI=$eve_uri
EVE_SPOOL=$dir/eve-spool
EVE_PROCESSED=$dir/eve-processed.log
CAPTURE_DIR=$dir/capture
FAULT_FILE=$dir/fault
CUPS_LOG_DIR=$c/log
EOF
trap - ERR
echo "cups_harness: cupsd on localhost:$cups_port, ippeveprinter on $eve_uri"
