#!/usr/bin/env bash
# tests/configure/missing_dep.sh SOURCE_DIR MODULE PACKAGE: configure rex86 with
# pkg-config unable to see MODULE (every other .pc file of the system stays
# visible) and check that CMake stops with one message naming PACKAGE, the
# Debian package to install.
set -u
src=$1 module=$2 package=$3
pcdir=$(pkg-config --variable=pcfiledir "$module") || {
    echo "SKIP: pkg-config does not know $module here"
    exit 0
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/pc"
# Every .pc file pkg-config searches, except MODULE's own.
for d in $(pkg-config --variable pc_path pkg-config | tr ':' ' ') "$pcdir"; do
    [ -d "$d" ] || continue
    for f in "$d"/*.pc; do
        [ -e "$f" ] || continue
        [ "$(basename "$f")" = "$module.pc" ] && continue
        ln -sf "$f" "$tmp/pc/"
    done
done
out=$(PKG_CONFIG_LIBDIR="$tmp/pc" PKG_CONFIG_PATH= cmake -S "$src" -B "$tmp/build" 2>&1)
status=$?
printf '%s\n' "$out" | grep -E "not found|Error" | head -5
if [ "$status" -eq 0 ]; then
    echo "FAIL: configure succeeded without $module"
    exit 1
fi
if ! printf '%s\n' "$out" | grep -q "$module not found: install the '$package' package"; then
    echo "FAIL: the error does not name the package $package"
    exit 1
fi
echo "PASS: without $module, configure stops naming $package"
