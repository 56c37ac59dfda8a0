/* Shared helpers of the libFuzzer targets (one file per parser, see Makefile): a cursor over the
 * fuzz input that hands out bytes and length-prefixed records, and the invariant check that
 * aborts (so libFuzzer records the input as a crash) when a parser breaks a promise. */
#ifndef BH_FUZZ_COMMON_H
#define BH_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                  \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      abort();                                                                             \
    }                                                                                      \
  } while (0)

typedef struct {
  const uint8_t *p;
  size_t n;
} fz_in;

static inline uint8_t fz_u8(fz_in *in) {
  if (!in->n) return 0;
  in->n--;
  return *in->p++;
}
static inline uint16_t fz_u16(fz_in *in) { return (uint16_t)(fz_u8(in) << 8 | fz_u8(in)); }
static inline uint32_t fz_u32(fz_in *in) { return (uint32_t)fz_u16(in) << 16 | fz_u16(in); }

/* A record: 2-byte big-endian length, then that many bytes (clipped to what is left). */
static inline size_t fz_record(fz_in *in, const uint8_t **rec) {
  size_t len = fz_u16(in);
  if (len > in->n) len = in->n;
  *rec = in->p;
  in->p += len, in->n -= len;
  return len;
}

#endif
