/* fuzz.h - natter's fuzz targets (see README.md).
 *
 * Each target takes one input the way libFuzzer hands it over and runs it
 * through the code that reads it from the network or from a file. The same
 * functions are called by libFuzzer (entry.c, built by `make fuzz` with
 * clang) and by the replay test (replay.c, built by `make check-unit`),
 * which runs the seed corpus and every input that once crashed. */
#ifndef NATTER_TESTS_FUZZ_H
#define NATTER_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Longer inputs are skipped: they make the fuzzer slower, not the code
 * more exposed (a stanza is far shorter). */
#define FUZZ_MAX_INPUT 65536

/* Stanzas from the server after the login's archive catch-up, with a room
 * joined: messages, carbons, room messages and the room's archive results,
 * presence, room presence, roster pushes, bookmarks, iq answers. */
int fuzz_stanza(const uint8_t *data, size_t size);
/* The same stanzas while the login's archive catch-up runs: our own
 * archive's results and its end, and the live messages held meanwhile. */
int fuzz_catchup(const uint8_t *data, size_t size);
/* The same stanzas while natter joins a room: the room's disco answer,
 * the occupants' and our own presence, join errors, the room's history. */
int fuzz_join(const uint8_t *data, size_t size);
/* The sanitiser of network text (ui/sanitize.c). */
int fuzz_sanitize(const uint8_t *data, size_t size);
/* The XEP-0393 message styling parser (ui/styling.c). */
int fuzz_styling(const uint8_t *data, size_t size);
/* Taking a reply's fallback quote out of a body (xmpp/fallback.c): ranges
 * as attribute values, a NUL, then the body. */
int fuzz_fallback(const uint8_t *data, size_t size);
/* The JID parser and helpers (model/jid.c). */
int fuzz_jid(const uint8_t *data, size_t size);
/* Theme files (ui/themefile.c). */
int fuzz_theme(const uint8_t *data, size_t size);
/* The settings file and the accounts file (config/). */
int fuzz_settings(const uint8_t *data, size_t size);

#endif
