/* Runs every suite; the last line is "N passed, M failed". */
#include <stdlib.h>

#include "test.h"

int bh_t_checks_failed;
static int passed, failed;

void bh_t_run(const char *name, void (*fn)(void)) {
  bh_t_checks_failed = 0;
  fn();
  if (bh_t_checks_failed) {
    failed++;
    printf("FAIL %s (%d checks)\n", name, bh_t_checks_failed);
  } else {
    passed++;
    printf("ok   %s\n", name);
  }
  fflush(stdout);
}

int main(void) {
  suite_eth();
  suite_frame();
  suite_mactable();
  suite_replay();
  suite_wire();
  suite_aead();
  suite_mac1();
  suite_keypair();
  suite_forward();
  suite_arp();
  suite_nd();
  suite_neigh();
  suite_storm();
  suite_l2filter();
  suite_failover();
  suite_loopguard();
  suite_fuzz_smoke();
  suite_codel();
  suite_fq();
  suite_frag();
  suite_mss();
  suite_qos();
  suite_tso();
  suite_gro();
  suite_steer();
  suite_pathsel();
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
