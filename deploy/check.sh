#!/usr/bin/env bash
# CI check of deploy/monitor.service:
#   1. `systemd-analyze verify` prints nothing. It exits 0 on unknown keys and
#      bad values (it only warns), so any output at all is a failure.
#   2. `systemd-analyze security --offline=yes` scores the sandbox at most 2.0.
# Installs systemd (for systemd-analyze) when missing and we are root on Debian.
set -euo pipefail
cd "$(dirname "$0")"

unit=monitor.service
dropin=monitor-notify-reload.conf
# Exposure is reported as 0.0-10.0; --threshold takes tenths.
max_exposure_tenths=20

if ! command -v systemd-analyze >/dev/null; then
    if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "check.sh: installing systemd for systemd-analyze" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd >/dev/null
    else
        echo "check.sh: systemd-analyze (package systemd, >= 250) is needed" >&2
        exit 1
    fi
fi
version=$(systemd-analyze --version | awk 'NR == 1 {print $2}')
if ((version < 250)); then
    # --offline and --threshold of `security` arrived in 250.
    echo "check.sh: systemd-analyze $version is too old; need >= 250" >&2
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# verify also checks that every Exec*= program exists and is executable, on
# *this* machine: /opt/monitor/venv/bin/monitor does not exist in CI (and
# /bin/kill may not, on a minimal image). `--root=` would move the unit search
# path too (sysinit.target & co. then "not found"), and SYSTEMD_UNIT_PATH does
# not touch the program check. So verify a copy in which each missing absolute
# program is replaced by a stub; every other byte is the real unit's. The copy
# keeps the name monitor.service, which verify takes as the unit name.
mkdir "$tmp/units" "$tmp/stubs"
while IFS= read -r line || [[ -n $line ]]; do
    if [[ $line =~ ^(Exec[A-Za-z]+=)([-@:+!]*)(/[^[:space:]]+)(.*)$ ]]; then
        program=${BASH_REMATCH[3]}
        if [[ ! -x $program ]]; then
            stub="$tmp/stubs/${program//\//_}"
            printf '#!/bin/sh\nexit 0\n' >"$stub"
            chmod +x "$stub"
            echo "verify: $program is not on this machine; a stub stands in for it" >&2
            line="${BASH_REMATCH[1]}${BASH_REMATCH[2]}${stub}${BASH_REMATCH[4]}"
        fi
    fi
    printf '%s\n' "$line"
done <"$unit" >"$tmp/units/$unit"

fail=0
verify() {
    local what=$1 out
    # --man=no: Documentation= man pages are not what we check.
    if ! out=$(systemd-analyze verify --man=no "$tmp/units/$unit" 2>&1) || [[ -n $out ]]; then
        echo "FAIL: systemd-analyze verify ($what):"
        # Name the file in deploy/, not the temporary copy.
        out=${out//"$tmp/units/"/}
        printf '%s\n' "${out:-(no output, non-zero exit)}"
        fail=1
    else
        echo "ok: systemd-analyze verify ($what): no output"
    fi
}
verify "$unit"

# verify reads drop-ins from <unit>.d/ beside the unit file.
if ((version >= 253)); then
    mkdir "$tmp/units/$unit.d"
    cp "$dropin" "$tmp/units/$unit.d/"
    verify "$unit + $dropin"
else
    echo "skip: $dropin needs systemd >= 253 (this is $version)"
fi

# The real file this time: `security --offline` does not look for the programs.
if ! report=$(systemd-analyze security --offline=yes --no-pager \
    --threshold="$max_exposure_tenths" "$unit" 2>&1); then
    printf '%s\n' "$report"
    echo "FAIL: exposure above $((max_exposure_tenths / 10)).$((max_exposure_tenths % 10))"
    fail=1
fi
exposure=$(grep -o 'Overall exposure level for .*' <<<"$report" || true)
if [[ -z $exposure ]]; then
    printf '%s\n' "$report"
    echo "FAIL: no exposure level in the output of systemd-analyze security"
    fail=1
else
    echo "${exposure} (limit $((max_exposure_tenths / 10)).$((max_exposure_tenths % 10)))"
fi

exit "$fail"
