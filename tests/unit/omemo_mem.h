/* omemo_mem.h - OMEMO records kept in memory, for the unit tests of
 * src/omemo (the real ones live in the history database, store/keys.c). */
#ifndef NATTER_TESTS_OMEMO_MEM_H
#define NATTER_TESTS_OMEMO_MEM_H

#include <glib.h>

#include "omemo/omemo.h"

typedef struct {
    GHashTable *rows; /* "kind|jid|id" -> GBytes */
    bool read_only;   /* put and del fail (a full disk) */
} mem_store;

mem_store *mem_new(void);
void mem_free(mem_store *m);
/* The omemo_storage that reads and writes M. */
omemo_storage storage_of(mem_store *m);
/* The omemo_storage callbacks themselves (for tests that count records). */
GBytes *mem_get(void *ud, omemo_rec_kind kind, const char *jid, uint32_t id);
GArray *mem_ids(void *ud, omemo_rec_kind kind, const char *jid);

#endif
