/* store_fixture.h - what the store's unit tests share: a database in a
 * temporary directory, and messages made and added in one line. */
#ifndef NATTER_TESTS_STORE_FIXTURE_H
#define NATTER_TESTS_STORE_FIXTURE_H

#include <glib.h>
#include <sqlite3.h>
#include <stdint.h>

#include "store/store.h"

#define ME "me@example.org"
#define ALICE "alice@example.org"
#define BOB "bob@example.org"
#define T0 INT64_C(1700000000000) /* 2023-11-14 22:13:20 UTC */

typedef struct {
    char *dir;
    char *db;
} fixture;

/* cmocka setup: a temporary directory and the path of a database in it
 * (not opened). */
int setup(void **state);
/* cmocka setup: the same, with the database opened by the store. */
int setup_open(void **state);
/* cmocka teardown for both: close the store, remove the directory. */
int teardown(void **state);

/* A message (store_msg_free); sent by ME when SENDER starts with ME. ID
 * arguments may be NULL. */
store_msg *mk(const char *peer, const char *sender, const char *body, int64_t ts,
              const char *stanza_id, const char *by, const char *origin_id, const char *msg_id);
/* Add M (freed here), failing the test unless the result is EXPECTED;
 * returns its rowid. */
int64_t add_expect(store_msg *m, store_add_result expected);
/* Add a plain incoming message from PEER's phone without ids. */
int64_t add_plain(const char *peer, const char *body, int64_t ts);
/* The bodies of the store_msg array A joined by '|' (g_free). */
char *bodies(GPtrArray *a);
/* Fail unless the bodies of A are EXPECTED ('|'-joined). */
void assert_bodies(GPtrArray *a, const char *expected);
/* An integer from SQL on a separate connection to PATH. */
int64_t sql_int(const char *path, const char *sql);
/* Run SQL on DB, failing the test on error. */
void exec_ok(sqlite3 *db, const char *sql);
/* A second, plain SQLite connection to PATH (sqlite3_close). */
sqlite3 *raw_open(const char *path);

#endif
