/* tap_linux: the local side of the data plane. Either a real Linux TAP device (IFF_TAP|IFF_NO_PI,
 * non-blocking, link set up; removed when the fd is closed; optionally with offloads) or, for tests without root, a
 * SOCK_SEQPACKET socketpair whose one end plays the TAP. Both preserve frame boundaries. */
#ifndef BH_TAP_LINUX_H
#define BH_TAP_LINUX_H

#include <net/if.h>
#include <stddef.h>

/* Opens /dev/net/tun and creates the TAP `name` (may contain "%d"; 1..IFNAMSIZ-1 chars), sets
 * it non-blocking and brings the link up. Returns the fd and writes the kernel's actual name into
 * out_name; on failure returns -errno and *step names the call that failed.
 * want_offload: IFF_VNET_HDR, TUNSETVNETHDRSZ 10,
 * TUNSETOFFLOAD(CSUM | TSO4 | TSO6 | TSO_ECN), so the kernel hands over TCP super-frames of up to
 * 64 KiB and partial checksums (tap_read.h segments them) and every read and write carries a
 * 10-byte virtio_net_hdr. Any refusal: the TAP is recreated without (clean fallback). *offload
 * says which one the fd is: 0, or BH_TAP_OFFLOAD_TSO plus BH_TAP_OFFLOAD_USO_WRITE when the kernel
 * also accepts UDP_L4 super-frames written to it (probed, Linux 6.2+). */
#define BH_TAP_OFFLOAD_TSO 1
#define BH_TAP_OFFLOAD_USO_WRITE 2
#ifndef TUN_F_USO4
#define BH_TUN_F_USO4 0x20
#define BH_TUN_F_USO6 0x40
#else
#define BH_TUN_F_USO4 TUN_F_USO4
#define BH_TUN_F_USO6 TUN_F_USO6
#endif
int bh_tap_open(const char *name, int want_offload, char out_name[IFNAMSIZ], int *offload, const char **step);

/* Socketpair mode: *dp_fd is the data plane's end (non-blocking reads; writes wait at most
 * BH_TAP_SP_SNDTIMEO_MS so a test that stops reading cannot wedge the data plane), *test_fd is
 * the test's end ("the wire"). Returns 0 or -errno. */
#define BH_TAP_SP_SNDTIMEO_MS 100
int bh_tap_socketpair(int *dp_fd, int *test_fd, const char **step);

#endif
