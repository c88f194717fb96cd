#!/bin/sh
# Rebuilds the small ELF fixtures used by SelfPlayBN.NativeFix.Tests (x86-64 Linux, gcc, GNU ld).
# The outputs are committed; the tests never run this script or readelf.
#
#   full/libfixdep.so.1  defines FIXDEP_1.0 (fix_answer) and FIXDEP_3.4.32 (fix_never_called, fix_called)
#   host/libfixdep.so.1  defines FIXDEP_1.0 only: the "old host library" (like GCC 12's libstdc++)
#   libuser.so           linked against full/: needs FIXDEP_3.4.32 only through fix_never_called
#   libuser2.so          linked against full/: needs FIXDEP_3.4.32 through fix_called as well
#
# libuser*.so carry RUNPATH $ORIGIN, so a copy placed next to host/libfixdep.so.1 loads that one.
# No C runtime is linked (-nostdlib), which keeps the files at a few KB and their only
# DT_NEEDED is libfixdep.so.1. readelf/*.txt records what `readelf -V -W --dyn-syms` said.
set -eu
cd "$(dirname "$0")"
CC=${CC:-gcc}
FLAGS="-shared -fPIC -O1 -nostdlib -s -Wl,--build-id=none -Wl,-z,noseparate-code -Wl,-z,lazy -Wl,--hash-style=gnu"

mkdir -p full host readelf
$CC $FLAGS -DFIXDEP_NEW -Wl,-soname,libfixdep.so.1 -Wl,--version-script=src/fixdep-full.map \
    -o full/libfixdep.so.1 src/fixdep.c
$CC $FLAGS -Wl,-soname,libfixdep.so.1 -Wl,--version-script=src/fixdep-host.map \
    -o host/libfixdep.so.1 src/fixdep.c
for u in user user2; do
    $CC $FLAGS -Wl,-soname,lib$u.so -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN' \
        -o lib$u.so src/$u.c full/libfixdep.so.1
done

if command -v readelf >/dev/null 2>&1; then
    for f in full/libfixdep.so.1 host/libfixdep.so.1 libuser.so libuser2.so; do
        readelf -V -W --dyn-syms -d "$f" > "readelf/$(echo "$f" | tr / _).txt"
    done
fi
ls -l full/libfixdep.so.1 host/libfixdep.so.1 libuser.so libuser2.so
