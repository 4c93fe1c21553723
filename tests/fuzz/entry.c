/* entry.c - libFuzzer's entry point for one target: built once per
 * target with -DFUZZ_ENTRY=fuzz_NAME (see build.sh). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return FUZZ_ENTRY(data, size);
}
