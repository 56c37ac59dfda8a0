/* bh_steer: builds the reuseport steering program (see bh_steer.h). */
#include "bh_steer.h"

/* classic BPF opcodes (linux/bpf_common.h), written out so the core needs no kernel headers */
#define LD_B_ABS 0x30  /* BPF_LD | BPF_B | BPF_ABS */
#define JEQ_K 0x15     /* BPF_JMP | BPF_JEQ | BPF_K */
#define JA 0x05        /* BPF_JMP | BPF_JA */
#define RET_K 0x06     /* BPF_RET | BPF_K */

static bh_steer_insn I(uint16_t code, uint8_t jt, uint8_t jf, uint32_t k) {
  bh_steer_insn i = {code, jt, jf, k};
  return i;
}

int bh_steer_build(uint16_t front, const uint16_t slot_pos[BH_STEER_SLOTS], bh_steer_insn *out) {
  if (front == BH_STEER_NONE) return -1;
  int n = 0;
  /* 0 */ out[n++] = I(LD_B_ABS, 0, 0, 0);
  /* 1 */ out[n++] = I(JEQ_K, 3, 0, 4);   /* data -> 5 */
  /* 2 */ out[n++] = I(JEQ_K, 2, 0, 3);   /* cookie reply -> 5 */
  /* 3 */ out[n++] = I(JEQ_K, 3, 0, 2);   /* response -> 7 */
  /* 4 */ out[n++] = I(RET_K, 0, 0, front);
  /* 5 */ out[n++] = I(LD_B_ABS, 0, 0, 7);
  /* 6 */ out[n++] = I(JA, 0, 0, 1);      /* -> 8 */
  /* 7 */ out[n++] = I(LD_B_ABS, 0, 0, 11);
  /* 8.. one compare + return per used slot; jt = 0 falls into its return, jf = 1 skips it */
  for (int s = 0; s < BH_STEER_SLOTS; s++) {
    if (slot_pos[s] == BH_STEER_NONE) continue;
    out[n++] = I(JEQ_K, 0, 1, (uint32_t)s);
    out[n++] = I(RET_K, 0, 0, slot_pos[s]);
  }
  out[n++] = I(RET_K, 0, 0, front);
  return n;
}

uint32_t bh_steer_run(const bh_steer_insn *prog, int n, const uint8_t *pkt, size_t len) {
  uint32_t a = 0;
  for (int pc = 0; pc < n; pc++) {
    const bh_steer_insn *i = &prog[pc];
    switch (i->code) {
      case LD_B_ABS:
        if (i->k >= len) return 0;
        a = pkt[i->k];
        break;
      case JEQ_K:
        pc += a == i->k ? i->jt : i->jf;
        break;
      case JA:
        pc += (int)i->k;
        break;
      case RET_K:
        return i->k;
      default:
        return 0;
    }
  }
  return 0;
}
