/* bh_failover: per-frame partial-failover decisions (see bh_failover.h for the flow).
 *
 *   The frame is parsed once (bh_frame.h) and the view handed to every step.
 *   from_tap: l2filter -> quarantine -> ARP | ND | IP source (learn prefixes, else known host or
 *             auto prefix) -> learn
 *             -> probe answer? -> proxy answer? -> pass */
#include "bh_failover.h"

#include <string.h>

#include "bh_arp.h"
#include "bh_frame.h"
#include "bh_nd.h"

void bh_fo_init(bh_fo *f, bh_neigh *neigh, const uint8_t probe_mac[6]) {
  memset(f, 0, sizeof *f);
  f->neigh = neigh;
  f->cfg.proxy_arp = f->cfg.proxy_nd = 1;
  bh_prefixset_init(&f->cfg.learn);
  bh_prefixset_init(&f->auto_learn);
  bh_macset_init(&f->quarantine);
  memcpy(f->probe_mac, probe_mac, 6);
}

const char *bh_fo_how_name(bh_fo_how how) {
  static const char *const names[] = {"traffic", "arp", "nd", "garp", "una"};
  return (unsigned)how < sizeof names / sizeof names[0] ? names[how] : "unknown";
}

/* Source or (unicast) destination quarantined. The frame is at least 14 bytes. */
static int quarantined(const bh_fo *f, const uint8_t *frame) {
  if (!f->quarantine.count) return 0;
  return bh_macset_contains(&f->quarantine, frame + 6) ||
         (!bh_mac_is_group(frame) && bh_macset_contains(&f->quarantine, frame));
}

static int filter(bh_fo *f, const bh_frame *v) {
  bh_l2f_reason why = BH_L2F_OK;
  if (bh_l2filter_check_view(&f->cfg.l2f, v, &why) == BH_L2F_DROP) return (int)why;
  if (v->len >= BH_ETH_HLEN && quarantined(f, v->frame)) {
    f->c.quarantined_dropped++;
    return BH_FO_DROP_QUARANTINED;
  }
  return 0;
}

int bh_fo_from_peer_view(bh_fo *f, const bh_frame *v) { return filter(f, v); }

int bh_fo_from_peer(bh_fo *f, const uint8_t *frame, size_t len) {
  bh_frame v;
  bh_frame_parse(frame, len, &v);
  return filter(f, &v);
}

/* The /24 or /64 of a host learned from ARP/ND here joins auto_learn (once; full: counted). */
static void auto_prefix(bh_fo *f, const bh_ipaddr *ip) {
  if (f->cfg.learn.count || bh_prefixset_match(&f->auto_learn, ip)) return;
  uint8_t len = ip->family == 4 ? BH_FO_AUTO_LEN_V4 : BH_FO_AUTO_LEN_V6;
  if (ip->family == 6 && ip->addr[0] == 0xfe && (ip->addr[1] & 0xc0) == 0x80) return; /* link-local: no prefix */
  bh_ipaddr net = *ip;
  memset(net.addr + len / 8, 0, sizeof net.addr - len / 8);
  if (bh_prefixset_add(&f->auto_learn, &net, len) < 0) f->c.auto_prefixes_full++;
}

/* Learn what was seen; fills the event part of out for results the control plane wants. */
static void learn(bh_fo *f, const bh_neigh_seen *seen, bh_fo_how how, uint64_t now, bh_fo_result *out) {
  bh_neigh_entry after;
  if (f->learn_suspended) {
    f->c.learn_suspended++;
    return;
  }
  bh_neigh_result r = bh_neigh_learn_local(f->neigh, seen, now, NULL, &after);
  if (seen->origin != BH_NEIGH_ORIGIN_TRAFFIC && (r == BH_NEIGH_NEW || r == BH_NEIGH_REFRESHED)) auto_prefix(f, &seen->ip);
  if (r != BH_NEIGH_NEW && r != BH_NEIGH_MOVED && r != BH_NEIGH_MAC_CHANGED && r != BH_NEIGH_CONFLICT) return;
  out->has_neigh = 1;
  out->how = (uint8_t)how;
  out->router = seen->router;
  out->result = (uint8_t)r;
  out->ip = seen->ip;
  memcpy(out->mac, seen->mac, 6);
  out->seq = after.seq;
}

/* Index of a pending, unexpired probe for ip, or -1. */
static int pending_probe(const bh_fo *f, const bh_ipaddr *ip, uint64_t now) {
  for (uint32_t i = 0; i < f->n_probes; i++)
    if (f->probe[i].ip.family == ip->family && memcmp(f->probe[i].ip.addr, ip->addr, 16) == 0 &&
        now < f->probe[i].deadline_ns)
      return (int)i;
  return -1;
}

static void probe_answer(bh_fo *f, const bh_ipaddr *ip, const uint8_t *mac, bh_fo_result *out) {
  out->verdict = BH_FO_PROBE_ANSWER;
  out->has_probe_answer = 1;
  out->probe_ip = *ip;
  memcpy(out->probe_mac, mac, 6);
  f->c.probe_answers++;
}

static void from_tap_arp(bh_fo *f, const bh_arp_info *a, uint64_t now, uint8_t *reply, size_t cap,
                         bh_fo_result *out) {
  bh_ipaddr spa = bh_ipaddr_v4(a->spa), tpa = bh_ipaddr_v4(a->tpa);
  if (!a->is_probe) {
    bh_neigh_seen seen = {.ip = spa, .mac = a->sha, .origin = BH_NEIGH_ORIGIN_ARP, .announce = a->is_gratuitous};
    learn(f, &seen, a->is_gratuitous ? BH_FO_HOW_GARP : BH_FO_HOW_ARP, now, out);
  }
  if (a->op == BH_ARP_OP_REPLY && (memcmp(a->tha, f->probe_mac, 6) == 0 || memcmp(a->eth_dst, f->probe_mac, 6) == 0) &&
      pending_probe(f, &spa, now) >= 0) {
    probe_answer(f, &spa, a->sha, out);
    return;
  }
  bh_neigh_entry host;
  if (f->cfg.proxy_arp && bh_arp_wants_proxy_answer(a) && bh_neigh_proxy_lookup(f->neigh, &tpa, now, &host)) {
    size_t n = bh_arp_build_reply(a, host.mac, reply, cap);
    if (n) {
      out->verdict = BH_FO_ANSWERED;
      out->reply_len = n;
      f->c.arp_proxied++;
    }
  }
}

static void from_tap_nd(bh_fo *f, const bh_nd_info *nd, uint64_t now, uint8_t *reply, size_t cap,
                        bh_fo_result *out) {
  if (nd->type == BH_ND_NS) {
    if (!nd->is_dad) {
      bh_neigh_seen seen = {.ip = bh_ipaddr_v6(nd->src), .mac = nd->has_sll ? nd->sll : nd->eth_src,
                            .origin = BH_NEIGH_ORIGIN_ND};
      learn(f, &seen, BH_FO_HOW_ND, now, out);
    }
    bh_ipaddr target = bh_ipaddr_v6(nd->target);
    bh_neigh_entry host;
    if (f->cfg.proxy_nd && bh_nd_wants_proxy_answer(nd) && bh_neigh_proxy_lookup(f->neigh, &target, now, &host)) {
      size_t n = bh_nd_build_na_reply(nd, host.mac, (host.flags & BH_NEIGH_F_ROUTER) != 0, reply, cap);
      if (n) {
        out->verdict = BH_FO_ANSWERED;
        out->reply_len = n;
        f->c.nd_proxied++;
      }
    }
    return;
  }
  /* NA: the target's owner speaks (unsolicited = without S: an announcement) */
  const uint8_t *mac = nd->has_tll ? nd->tll : nd->eth_src;
  int unsolicited = !(nd->flags & BH_ND_FLAG_SOLICITED), router = (nd->flags & BH_ND_FLAG_ROUTER) != 0;
  bh_ipaddr target = bh_ipaddr_v6(nd->target);
  bh_neigh_seen seen = {.ip = target, .mac = mac, .origin = BH_NEIGH_ORIGIN_ND, .announce = (uint8_t)unsolicited,
                        .router = (uint8_t)router};
  learn(f, &seen, unsolicited ? BH_FO_HOW_UNA : BH_FO_HOW_ND, now, out);
  if ((bh_mac_is_group(nd->eth_dst) || memcmp(nd->eth_dst, f->probe_mac, 6) == 0) && pending_probe(f, &target, now) >= 0)
    probe_answer(f, &target, mac, out);
}

void bh_fo_from_tap_view(bh_fo *f, const bh_frame *v, uint64_t now, uint8_t *reply, size_t reply_cap,
                         bh_fo_result *out) {
  memset(out, 0, sizeof *out);
  int drop = filter(f, v);
  if (drop) {
    out->verdict = BH_FO_DROP;
    out->drop = (uint8_t)drop;
    return;
  }
  bh_arp_info a;
  bh_arp_status as = bh_arp_parse_view(v, &a);
  if (as == BH_ARP_OK) {
    from_tap_arp(f, &a, now, reply, reply_cap, out);
    return;
  }
  if (as != BH_ARP_NOT_ARP) {
    f->c.arp_invalid++;
    return;
  }
  bh_nd_info nd;
  bh_nd_status ns = bh_nd_parse_view(v, &nd);
  if (ns == BH_ND_OK) {
    from_tap_nd(f, &nd, now, reply, reply_cap, out);
    return;
  }
  if (ns != BH_ND_NOT_ND) {
    f->c.nd_invalid++;
    return;
  }
  bh_ip_source src;
  if (!bh_ip_source_view(v, &src)) return;
  bh_ipaddr ip = src.family == 4 ? bh_ipaddr_v4(src.addr) : bh_ipaddr_v6(src.addr);
  if (f->cfg.learn.count) {
    if (!bh_prefixset_match(&f->cfg.learn, &ip)) return;
  } else if (!bh_prefixset_match(&f->auto_learn, &ip)) {
    bh_neigh_entry known;
    if (!bh_neigh_lookup(f->neigh, &ip, now, &known)) return; /* not a host of the segment we know of */
  }
  bh_neigh_seen seen = {.ip = ip, .mac = src.src_mac, .origin = BH_NEIGH_ORIGIN_TRAFFIC};
  learn(f, &seen, BH_FO_HOW_TRAFFIC, now, out);
}

void bh_fo_from_tap(bh_fo *f, const uint8_t *frame, size_t len, uint64_t now, uint8_t *reply, size_t reply_cap,
                    bh_fo_result *out) {
  bh_frame v;
  bh_frame_parse(frame, len, &v);
  bh_fo_from_tap_view(f, &v, now, reply, reply_cap, out);
}

int bh_fo_ip_is_host(const bh_ipaddr *ip) {
  static const uint8_t zero[16] = {0};
  if (ip->family == 4)
    return (ip->addr[0] | ip->addr[1] | ip->addr[2] | ip->addr[3]) != 0 && ip->addr[0] < 224;
  return ip->family == 6 && memcmp(ip->addr, zero, 16) != 0 && ip->addr[0] != 0xff;
}

size_t bh_fo_build_probe(bh_fo *f, const bh_ipaddr *ip, uint64_t now, uint8_t *out, size_t cap) {
  if (!bh_fo_ip_is_host(ip)) return 0;
  bh_vlan untagged = {0, 0};
  size_t n = ip->family == 4 ? bh_arp_build_probe(f->probe_mac, ip->addr, untagged, out, cap)
                             : bh_nd_build_dad_ns(f->probe_mac, ip->addr, untagged, out, cap);
  if (!n) return 0;
  int i = pending_probe(f, ip, now);
  if (i < 0) {
    bh_fo_expire_probes(f, now);
    if (f->n_probes == BH_FO_PROBES) { /* full: replace the oldest (earliest deadline) */
      uint32_t oldest = 0;
      for (uint32_t k = 1; k < f->n_probes; k++)
        if (f->probe[k].deadline_ns < f->probe[oldest].deadline_ns) oldest = k;
      f->probe[oldest] = f->probe[--f->n_probes];
      f->c.probes_evicted++;
    }
    i = (int)f->n_probes++;
    memset(&f->probe[i].ip, 0, sizeof f->probe[i].ip);
    f->probe[i].ip.family = ip->family;
    memcpy(f->probe[i].ip.addr, ip->addr, ip->family == 4 ? 4 : 16);
  }
  f->probe[i].deadline_ns = now + BH_FO_PROBE_TIMEOUT_NS;
  f->c.probes_sent++;
  return n;
}

void bh_fo_expire_probes(bh_fo *f, uint64_t now) {
  for (uint32_t i = 0; i < f->n_probes;) {
    if (now >= f->probe[i].deadline_ns) {
      f->probe[i] = f->probe[--f->n_probes];
      f->c.probes_expired++;
    } else {
      i++;
    }
  }
}
