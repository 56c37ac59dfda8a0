/* libFuzzer harness: clang -fsanitize=fuzzer,address,undefined (see Makefile target fuzz). */
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bh_fuzz_state s;
  static int ready;
  static uint64_t now;
  if (!ready) ready = bh_fuzz_state_init(&s) == 0;
  if (!ready) return 0;
  now += 100;
  (void)bh_fuzz_one(&s, data, size, now);
  return 0;
}
