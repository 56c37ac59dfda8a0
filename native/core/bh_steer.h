/* bh_steer: the classic-BPF program that steers tunnel datagrams between the sockets of one
 * SO_REUSEPORT group (multi-tenant provider, docs/INTERNALS.md section 9). Pure: it builds the
 * instructions (layout of Linux's struct sock_filter) and can run them for tests.
 *
 * The program reads the UDP payload (offset 0 = message type):
 *   type 4 (data) and 3 (cookie reply): slot = byte 7 (top byte of the LE receiver index at 4)
 *   type 2 (response):                 slot = byte 11 (top byte of the receiver index at 8)
 *   type 1, other types, short packets: the front socket
 * and returns the socket position of the slot (slot_pos[slot]), the front for an unknown slot. */
#ifndef BH_STEER_H
#define BH_STEER_H

#include <stddef.h>
#include <stdint.h>

#define BH_STEER_SLOTS 256
#define BH_STEER_NONE 0xffff              /* slot_pos value: slot not in use */
#define BH_STEER_MAX_INSNS (16 + 2 * BH_STEER_SLOTS)

typedef struct { /* = struct sock_filter */
  uint16_t code;
  uint8_t jt, jf;
  uint32_t k;
} bh_steer_insn;

/* Builds the program into out (capacity BH_STEER_MAX_INSNS). Returns the instruction count, or
 * -1 when front or a used slot's position is >= 65535 (BH_STEER_NONE). */
int bh_steer_build(uint16_t front, const uint16_t slot_pos[BH_STEER_SLOTS], bh_steer_insn *out);

/* Runs a program built by bh_steer_build over a payload the way the kernel does (a load beyond
 * the end returns 0). Returns the socket position. Only the opcodes the builder emits. */
uint32_t bh_steer_run(const bh_steer_insn *prog, int n, const uint8_t *pkt, size_t len);

#endif
