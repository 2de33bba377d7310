#!/usr/bin/env bash
# Local Neo4j Community server (embedded, Bolt only) for ReMo development and CI.
#
#   tools/neo4j/neo4j.sh fetch                         copy the Neo4j jars into tools/neo4j/lib/ (once)
#   tools/neo4j/neo4j.sh start [--port P] [--data DIR] start in the background, wait until Bolt answers
#   tools/neo4j/neo4j.sh stop                          SIGTERM, then SIGKILL after a timeout
#   tools/neo4j/neo4j.sh restart [--port P] [--data DIR]
#   tools/neo4j/neo4j.sh status [--port P]             exit 0 when Bolt answers, else 1
#   tools/neo4j/neo4j.sh run [--port P] [--data DIR]   in the foreground (service managers, tests)
#
# Environment:
#   REMO_NEO4J_PORT           Bolt port (default 7687)
#   REMO_NEO4J_DATA           data directory (default tools/neo4j/data)
#   REMO_NEO4J_START_TIMEOUT  seconds to wait for Bolt on start (default 120)
#   REMO_NEO4J_STOP_TIMEOUT   seconds to wait after SIGTERM before SIGKILL (default 30)
#   REMO_NEO4J_HEAP           JVM max heap (default 8g; a 100,000-organisation import in one transaction needs it)
#   REMO_NEO4J_HEAP_INITIAL   JVM initial heap (default: the max heap; memory is only used as the heap fills)
#   REMO_NEO4J_GC             JVM garbage collector option (default -XX:+UseParallelGC: large imports spend
#                             about a third less server CPU than with G1; -XX:+UseG1GC for short pauses)
#   REMO_NEO4J_JAVA_OPTS      extra JVM options
#   REMO_NEO4J_PYTHON         Python used for the readiness check (default python3)
#   NEO4J_AUTH_PASSWORD       enable auth; user "neo4j" gets this password (min. 8 chars)
#   NEO4J_PAGECACHE_MB        page cache in MiB (default 128)
#   NEO4J_TX_MEMORY_MB        memory all transactions may use together, MiB (default 4096; 100,000 organisations
#                             in one transaction need 2 to 3 GiB)
#   NEO4J_TX_STATE            ON_HEAP (default) or OFF_HEAP transaction state
#   NEO4J_CONF_FILE           a neo4j.conf-style file with further settings (applied last)
#   JAVA_HOME                 if set, $JAVA_HOME/bin/java is used
#   MAVEN_OPTS / MVN          as usual for Maven / the mvn command to use (default mvn)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LIB="$HERE/lib"
RUN="$HERE/run"
PIDFILE="$RUN/neo4j.pid"
STATEFILE="$RUN/neo4j.state"   # "PORT DATA_DIR" of the running instance
LOGFILE="$RUN/neo4j.log"
MARKER="$LIB/.fetch-complete"
HOST=127.0.0.1

PORT="${REMO_NEO4J_PORT:-7687}"
DATA="${REMO_NEO4J_DATA:-$HERE/data}"
PORT_SET=0
START_TIMEOUT="${REMO_NEO4J_START_TIMEOUT:-120}"
STOP_TIMEOUT="${REMO_NEO4J_STOP_TIMEOUT:-30}"
HEAP="${REMO_NEO4J_HEAP:-8g}"
HEAP_INITIAL="${REMO_NEO4J_HEAP_INITIAL:-$HEAP}"
GC="${REMO_NEO4J_GC:--XX:+UseParallelGC}"
PYTHON="${REMO_NEO4J_PYTHON:-python3}"
MVN="${MVN:-mvn}"
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi

now_ms() {
    local ns
    ns="$(date +%s%N)"
    if [[ "$ns" =~ ^[0-9]+$ ]]; then echo $(( ns / 1000000 )); else echo $(( $(date +%s) * 1000 )); fi
}
log() { printf 'neo4j.sh: %s\n' "$*"; }
err() { printf 'neo4j.sh: %s\n' "$*" >&2; }

usage() {
    sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

parse_opts() {
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --port) [[ $# -ge 2 ]] || { err "--port needs a value"; exit 2; }; PORT="$2"; PORT_SET=1; shift 2 ;;
            --port=*) PORT="${1#--port=}"; PORT_SET=1; shift ;;
            --data) [[ $# -ge 2 ]] || { err "--data needs a value"; exit 2; }; DATA="$2"; shift 2 ;;
            --data=*) DATA="${1#--data=}"; shift ;;
            -h|--help) usage; exit 0 ;;
            *) err "unknown option: $1"; usage >&2; exit 2 ;;
        esac
    done
    [[ -n "${REMO_NEO4J_PORT:-}" ]] && PORT_SET=1
    if ! [[ "$PORT" =~ ^[0-9]+$ ]] || (( PORT < 1 || PORT > 65535 )); then
        err "invalid port: $PORT"; exit 2
    fi
    # Make the data dir absolute relative to the caller's working directory.
    case "$DATA" in /*) ;; *) DATA="$PWD/$DATA" ;; esac
}

# ---------------------------------------------------------------- fetch

pom_hash() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum "$HERE/pom.xml" | cut -d' ' -f1
    else cksum "$HERE/pom.xml" | cut -d' ' -f1; fi
}

fetched() {
    [[ -f "$MARKER" && "$(cat "$MARKER")" == "$(pom_hash)" ]]
}

cmd_fetch() {
    if fetched; then
        log "jars already in ${LIB#"$HERE"/}/ ($(find -L "$LIB" -name '*.jar' | wc -l) jars)"
        return 0
    fi
    command -v "$MVN" >/dev/null 2>&1 || { err "Maven ($MVN) not found; install Maven 3.8+"; exit 1; }
    log "copying Neo4j jars from Maven into ${LIB#"$HERE"/}/ ..."
    rm -rf "$LIB"
    local goal=org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies
    local out
    out="$(mktemp)"
    # Try offline first (works when ~/.m2 already holds everything), then online.
    if ! "$MVN" -q -B -o -f "$HERE/pom.xml" "$goal" >"$out" 2>&1; then
        rm -rf "$LIB"
        if ! "$MVN" -q -B -f "$HERE/pom.xml" "$goal" >"$out" 2>&1; then
            cat "$out" >&2
            rm -f "$out"
            rm -rf "$LIB"
            err "fetch failed"
            exit 1
        fi
    fi
    rm -f "$out"
    rm -rf "$HERE/target"
    pom_hash >"$MARKER"
    log "fetched $(find -L "$LIB" -name '*.jar' | wc -l) jars ($(du -sh "$LIB" | cut -f1))"
}

# ---------------------------------------------------------------- checks

# Exit 0 if something accepts TCP connections on HOST:$1.
tcp_open() {
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# Exit 0 if a Bolt server answers on HOST:$1.
# Uses the official Python driver when importable (an auth failure still means
# "answers"), else a raw Bolt handshake in Python, else a plain TCP check.
bolt_answers() {
    local port="$1" rc=0
    if command -v "$PYTHON" >/dev/null 2>&1; then
        "$PYTHON" - "$HOST" "$port" <<'PY' >/dev/null 2>&1 || rc=$?
import os, socket, sys
host, port = sys.argv[1], int(sys.argv[2])
try:
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError
except Exception:
    GraphDatabase = None
if GraphDatabase is not None:
    pw = os.environ.get("NEO4J_AUTH_PASSWORD") or None
    auth = ("neo4j", pw) if pw else None
    driver = GraphDatabase.driver(f"bolt://{host}:{port}", auth=auth, connection_timeout=3)
    try:
        driver.verify_connectivity()
        sys.exit(0)
    except AuthError:
        sys.exit(0)
    except Exception:
        sys.exit(1)
    finally:
        driver.close()
# No driver: Bolt handshake (magic + 4 proposed versions), expect a 4-byte answer.
try:
    with socket.create_connection((host, port), timeout=3) as s:
        s.sendall(bytes.fromhex("6060b017") + bytes.fromhex("00000505 00000404 00000004 00000003".replace(" ", "")))
        data = b""
        while len(data) < 4:
            chunk = s.recv(4 - len(data))
            if not chunk:
                break
            data += chunk
    sys.exit(0 if len(data) == 4 and data != b"\x00\x00\x00\x00" else 1)
except Exception:
    sys.exit(1)
PY
        return "$rc"
    fi
    tcp_open "$port"
}

# Prints the pid if the pid file names a live launcher process.
our_pid() {
    [[ -f "$PIDFILE" ]] || return 1
    local pid
    pid="$(cat "$PIDFILE" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    # Guard against a recycled pid.
    ps -p "$pid" -o args= 2>/dev/null | grep -q 'Launcher' || return 1
    echo "$pid"
}

# Port/data of the instance recorded at start.
load_state() {
    if [[ -f "$STATEFILE" && "$PORT_SET" == 0 ]]; then
        local p
        p="$(cut -d' ' -f1 "$STATEFILE" 2>/dev/null || true)"
        [[ "$p" =~ ^[0-9]+$ ]] && PORT="$p"
    fi
    return 0
}

# ---------------------------------------------------------------- start/stop/status

wait_ready() {
    local pid="$1" t0="$2" deadline=$(( $2 + START_TIMEOUT * 1000 ))
    while :; do
        if ! kill -0 "$pid" 2>/dev/null; then
            err "Neo4j exited during start-up; last lines of ${LOGFILE#"$HERE"/}:"
            tail -n 40 "$LOGFILE" >&2 || true
            rm -f "$PIDFILE" "$STATEFILE"
            return 1
        fi
        if grep -q 'REMO-NEO4J READY' "$LOGFILE" 2>/dev/null && bolt_answers "$PORT"; then
            local ms=$(( ($(now_ms) - t0) ))
            log "running on bolt://$HOST:$PORT (pid $pid, data $DATA, ready after $(( ms / 1000 )).$(( ms % 1000 / 100 )) s)"
            return 0
        fi
        if (( $(now_ms) >= deadline )); then
            err "Bolt did not answer on $HOST:$PORT within ${START_TIMEOUT} s; last lines of ${LOGFILE#"$HERE"/}:"
            tail -n 40 "$LOGFILE" >&2 || true
            err "stopping pid $pid"
            stop_pid "$pid" || true
            return 1
        fi
        sleep 0.5
    done
}

# The java command line of the launcher, in the array JAVA_CMD (used by start and run).
java_command() {
    local -a jvm=(
        "-Xms$HEAP_INITIAL"
        "-Xmx$HEAP"
        "$GC"
        --add-opens java.base/java.nio=ALL-UNNAMED
        --add-opens java.base/sun.nio.ch=ALL-UNNAMED
        --add-opens java.base/java.io=ALL-UNNAMED
        --add-opens java.base/java.lang=ALL-UNNAMED
        --add-opens java.base/java.util=ALL-UNNAMED
        --add-opens java.base/java.util.concurrent=ALL-UNNAMED
        -Dio.netty.tryReflectionSetAccessible=true
        -Djdk.nio.maxCachedBufferSize=1024
        -Dlog4j2.disable.jmx=true
        -XX:+ExitOnOutOfMemoryError
        -XX:-OmitStackTraceInFastThrow
    )
    local -a extra=()
    if [[ -n "${REMO_NEO4J_JAVA_OPTS:-}" ]]; then read -r -a extra <<<"$REMO_NEO4J_JAVA_OPTS"; fi

    JAVA_CMD=("$JAVA" "${jvm[@]}" ${extra[@]+"${extra[@]}"} -cp 'lib/*' Launcher.java "$PORT" "$DATA")
}

cmd_start() {
    mkdir -p "$RUN"
    exec 9>"$RUN/.lock"
    if command -v flock >/dev/null 2>&1; then flock -w "$(( START_TIMEOUT + 30 ))" 9 || { err "could not get $RUN/.lock"; exit 1; }; fi

    local pid
    if pid="$(our_pid)"; then
        local rport
        rport="$(cut -d' ' -f1 "$STATEFILE" 2>/dev/null || echo "$PORT")"
        if [[ "$rport" != "$PORT" ]]; then
            err "already running on port $rport (pid $pid); stop it first to use port $PORT"
            exit 1
        fi
        if bolt_answers "$PORT"; then
            log "already running on bolt://$HOST:$PORT (pid $pid)"
            exit 0
        fi
        log "pid $pid is starting; waiting for Bolt on $HOST:$PORT"
        wait_ready "$pid" "$(now_ms)" || exit 1
        exit 0
    fi
    rm -f "$PIDFILE" "$STATEFILE"

    if tcp_open "$PORT"; then
        err "port $PORT on $HOST is already in use by another process (not started by this script)."
        err "Stop it, or use --port / REMO_NEO4J_PORT."
        exit 1
    fi

    command -v "$JAVA" >/dev/null 2>&1 || { err "java not found; install a JDK 17 or 21"; exit 1; }
    local jv
    jv="$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')"
    if [[ -n "$jv" && "$jv" =~ ^[0-9]+$ ]] && (( jv < 17 )); then
        err "Java $jv found; Neo4j 5.26 needs Java 17 or 21"; exit 1
    fi

    cmd_fetch
    mkdir -p "$DATA"
    [[ -f "$LOGFILE" ]] && mv -f "$LOGFILE" "$LOGFILE.prev"

    java_command
    local t0
    t0="$(now_ms)"
    log "starting Neo4j on $HOST:$PORT (data $DATA, log ${LOGFILE#"$HERE"/})"
    (
        cd "$HERE"
        exec nohup "${JAVA_CMD[@]}" </dev/null >"$LOGFILE" 2>&1 9>&-
    ) &
    pid=$!
    echo "$pid" >"$PIDFILE"
    echo "$PORT $DATA" >"$STATEFILE"
    wait_ready "$pid" "$t0" || exit 1
}

stop_pid() {
    local pid="$1" waited=0
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do
        if (( waited >= STOP_TIMEOUT * 5 )); then
            err "pid $pid still alive after ${STOP_TIMEOUT} s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.5
            break
        fi
        sleep 0.2
        waited=$(( waited + 1 ))
    done
    rm -f "$PIDFILE" "$STATEFILE"
}

cmd_stop() {
    mkdir -p "$RUN"
    local pid
    if pid="$(our_pid)"; then
        log "stopping pid $pid"
        stop_pid "$pid"
        log "stopped"
    else
        rm -f "$PIDFILE" "$STATEFILE"
        log "not running"
    fi
}

cmd_status() {
    load_state
    local pid=""
    pid="$(our_pid || true)"
    if bolt_answers "$PORT"; then
        if [[ -n "$pid" ]]; then
            echo "running on bolt://$HOST:$PORT (pid $pid)"
        else
            echo "running on bolt://$HOST:$PORT (not started by this script)"
        fi
        exit 0
    fi
    local rport=""
    rport="$(cut -d' ' -f1 "$STATEFILE" 2>/dev/null || true)"
    if [[ -n "$pid" && "$rport" == "$PORT" ]]; then
        echo "not running (pid $pid alive but Bolt on $HOST:$PORT does not answer yet)"
    elif [[ -n "$pid" ]]; then
        echo "not running on port $PORT (this script's instance, pid $pid, uses port $rport)"
    else
        echo "not running"
    fi
    exit 1
}

# In the foreground, without pid file: for a service manager (systemd) or a test that manages the process.
cmd_run() {
    command -v "$JAVA" >/dev/null 2>&1 || { err "java not found; install a JDK 17 or 21"; exit 1; }
    cmd_fetch
    mkdir -p "$DATA"
    java_command
    cd "$HERE"
    exec "${JAVA_CMD[@]}"
}

main() {
    local cmd="${1:-}"
    [[ $# -gt 0 ]] && shift
    case "$cmd" in
        fetch) parse_opts "$@"; cmd_fetch ;;
        start) parse_opts "$@"; cmd_start ;;
        stop) parse_opts "$@"; cmd_stop ;;
        restart) parse_opts "$@"; cmd_stop; cmd_start ;;
        status) parse_opts "$@"; cmd_status ;;
        run) parse_opts "$@"; cmd_run ;;
        -h|--help|help) usage ;;
        *) usage >&2; exit 2 ;;
    esac
}

main "$@"
