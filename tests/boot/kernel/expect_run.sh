#!/usr/bin/env bash
# Runs one rex86 command for a boot test and checks it the way a person
# reading the console would: the exit status, and every --want PATTERN
# (an extended regex) appearing in the output, in order.
# Usage: expect_run.sh STATUS [--want PATTERN]... -- REX86 ARGS...
set -u
expect=$1
shift
wants=()
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
    case "$1" in
    --want) wants+=("$2"); shift 2 ;;
    *) echo "expect_run.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
shift
out=$("$@" 2>&1)
status=$?
printf '%s\n' "$out"
fail=0
if [ "$status" != "$expect" ]; then
    echo "expect_run: exit status $status, expected $expect"
    fail=1
fi
rest=$out
for w in "${wants[@]}"; do
    line=$(printf '%s\n' "$rest" | grep -n -E -m1 -- "$w" | cut -d: -f1)
    if [ -z "$line" ]; then
        echo "expect_run: missing (in order): $w"
        fail=1
        break
    fi
    rest=$(printf '%s\n' "$rest" | tail -n +"$((line + 1))")
done
[ "$fail" = 0 ] && echo "expect_run: PASS"
exit "$fail"
