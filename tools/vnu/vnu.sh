#!/usr/bin/env bash
# W3C Nu Html Checker (vnu) for ReMo's tests and CI.
#
#   tools/vnu/vnu.sh fetch             copy the checker's jars from Maven Central into tools/vnu/lib/ (once)
#   tools/vnu/vnu.sh check FILE...     check HTML files in one JVM; JSON messages on stderr, exit 1 on errors
#
# Environment:
#   JAVA_HOME        if set, $JAVA_HOME/bin/java is used
#   MAVEN_OPTS / MVN as usual for Maven / the mvn command to use (default mvn)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LIB="$HERE/lib"
MARKER="$LIB/.fetch-complete"
MVN="${MVN:-mvn}"
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi

log() { printf 'vnu.sh: %s\n' "$*"; }
err() { printf 'vnu.sh: %s\n' "$*" >&2; }

pom_hash() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum "$HERE/pom.xml" | cut -d' ' -f1
    else cksum "$HERE/pom.xml" | cut -d' ' -f1; fi
}

fetched() {
    [[ -f "$MARKER" && "$(cat "$MARKER")" == "$(pom_hash)" ]]
}

cmd_fetch() {
    if fetched; then
        log "jars already in lib/ ($(find -L "$LIB" -name '*.jar' | wc -l) jars)"
        return 0
    fi
    command -v "$MVN" >/dev/null 2>&1 || { err "Maven ($MVN) not found; install Maven 3.8+"; exit 1; }
    log "copying the Nu Html Checker's jars from Maven into lib/ ..."
    rm -rf "$LIB"
    local goal=org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies
    local out
    out="$(mktemp)"
    # Offline first (works when ~/.m2 already holds everything), then online.
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

cmd_check() {
    fetched || { err "the checker is not fetched; run tools/vnu/vnu.sh fetch"; exit 2; }
    [[ $# -gt 0 ]] || { err "check needs at least one file"; exit 2; }
    exec "$JAVA" -Xss4m -cp "$LIB/*" nu.validator.client.SimpleCommandLineValidator --format json "$@"
}

case "${1:-}" in
    fetch) shift; cmd_fetch "$@" ;;
    check) shift; cmd_check "$@" ;;
    -h|--help|"") sed -n '2,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
    *) err "unknown command: $1"; exit 2 ;;
esac
