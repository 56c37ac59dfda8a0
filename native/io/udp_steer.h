/* udp_steer: attaches the reuseport steering program (native/core/bh_steer.h) to a socket of a
 * SO_REUSEPORT group; it then applies to the whole group (docs/INTERNALS.md section 9). */
#ifndef BH_UDP_STEER_H
#define BH_UDP_STEER_H

#include <stdint.h>

#include "../core/bh_steer.h"

/* front: the socket position for initiations and unknown slots; slot_pos[s]: the position of the
 * socket of slot s (BH_STEER_NONE = unused). Returns 0 or -errno. */
int bh_udp_steer_attach(int fd, uint16_t front, const uint16_t slot_pos[BH_STEER_SLOTS]);

#endif
