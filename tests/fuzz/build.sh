#!/bin/sh
# Build the fuzz targets with clang and libFuzzer under ASan and UBSan;
# run by `make fuzz` (Makefile.am), which passes the compiler and flags:
#   FUZZ_CC   clang
#   srcdir    the source tree
#   CPPFLAGS  defines and include paths of the build
#   LIBS      the libraries to link
# The objects go to tests/fuzz/obj/, the targets to tests/fuzz/fuzz-NAME,
# both under the current (build) directory.
set -eu
: "${FUZZ_CC:?}" "${srcdir:?}"
# Only the plain flags: the targets use no quoted definition (PACKAGE_*).
flags=""
for f in $CPPFLAGS; do
    case $f in *[\\\"\']*) ;; *) flags="$flags $f" ;; esac
done
CPPFLAGS=$flags
out=tests/fuzz
mkdir -p "$out/obj"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
CFLAGS="-std=c11 -g -O1 -Wall -Wextra -Wno-unused-parameter $SAN"
# The one quoted definition the sources use (the filter above drops them).
CFLAGS="$CFLAGS -DPACKAGE_VERSION=\"fuzz\""

# What each target is made of, besides entry.c. The stanza targets take the
# sources of the protocol tests' library (tests_unit_libproto_a_SOURCES in
# Makefile.am, passed as PROTO_SOURCES), so a new file there is here too.
: "${PROTO_SOURCES:?}"
XMPP=""
for s in $PROTO_SOURCES; do
    case $s in *.c) XMPP="$XMPP $s" ;; esac
done
XMPP="$XMPP tests/fuzz/fuzz_stanza.c"
TEXT="tests/fuzz/fuzz_text.c src/ui/sanitize.c src/core/unichar.c src/model/jid.c src/ui/styling.c src/xmpp/fallback.c"
FILES="tests/fuzz/fuzz_files.c src/ui/themefile.c src/config/settings.c src/config/accounts.c
 src/config/values.c src/config/atomicfile.c src/core/event.c src/model/jid.c"
WRAP="-Wl,--wrap=xmpp_connect_client -Wl,--wrap=xmpp_disconnect -Wl,--wrap=xmpp_conn_get_bound_jid
 -Wl,--wrap=xmpp_send -Wl,--wrap=xmpp_handler_add -Wl,--wrap=xmpp_id_handler_add"

# Compile SRC (relative to srcdir) into an object, unless one newer than
# it and every header exists; prints the object's path.
compile() {
    obj="$out/obj/$(echo "$1" | tr / _).o"
    if [ ! -f "$obj" ] || [ "$srcdir/$1" -nt "$obj" ] ||
        [ -n "$(find "$srcdir/src" "$srcdir/tests" -name '*.h' -newer "$obj" | head -n 1)" ]; then
        echo "  CC (fuzz) $1" >&2
        # shellcheck disable=SC2086
        $FUZZ_CC $CFLAGS -fsanitize=fuzzer-no-link $CPPFLAGS -I"$srcdir/src" -c "$srcdir/$1" -o "$obj"
    fi
    echo "$obj"
}

# link NAME WRAPFLAGS SOURCES...
link() {
    name=$1 wrap=$2
    shift 2
    objs=""
    for s in "$@"; do objs="$objs $(compile "$s")"; done
    echo "  CCLD (fuzz) $out/fuzz-$name" >&2
    # shellcheck disable=SC2086
    $FUZZ_CC $CFLAGS -fsanitize=fuzzer $CPPFLAGS -DFUZZ_ENTRY="fuzz_$name" -I"$srcdir/src" \
        "$srcdir/tests/fuzz/entry.c" $objs $wrap $LIBS -o "$out/fuzz-$name"
}

# shellcheck disable=SC2086
{
    link stanza "$WRAP" $XMPP
    link catchup "$WRAP" $XMPP
    link join "$WRAP" $XMPP
    link sanitize "" $TEXT
    link jid "" $TEXT
    link fallback "" $TEXT
    link theme "" $FILES
    link settings "" $FILES
    link styling "" $TEXT
}
