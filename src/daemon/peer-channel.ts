// Messages that arrive on a peer's authenticated peer channel (transport subtype 2; codec in
// control/peer-channel-messages). The drop reasons keep their names (control_malformed,
// control_unhandled): they are visible in status and metrics.

import { decodePeerMessage, encodePeerMessage } from '../control/peer-channel-messages';
import type { DataPlane } from '../dataplane/types';
import type { Config } from '../config/types';
import type { DropCounters } from './drop-counters';
import type { Enrollments } from './enrollments';
import type { PeerEntry } from './peer-registry';
import type { FailoverDriver } from './failover';
import type { KeyRotation } from './key-rotation';

export function handlePeerMessage(d: {
  peer: PeerEntry; data: Buffer; dp: DataPlane; drops: DropCounters; config: Config; enrollments: Enrollments;
  failover?: FailoverDriver | null; nowMs?: number; keyRotation?: KeyRotation;
  log: { info(o: object, msg: string): void };
}): void {
  const msg = decodePeerMessage(d.data);
  if (!msg) { d.drops.add('control_malformed'); return; }
  switch (msg.t) {
    case 'hello':
      // The hello authenticated with the enrollment keypair, so the joiner is proven.
      if (d.peer.provisional) d.enrollments.confirm(d.peer, Date.now(), msg.name);
      else d.enrollments.rename(d.peer, msg.name);
      if (!d.peer.provisional) d.dp.sendControl(d.peer.id, encodePeerMessage({ t: 'welcome', name: d.config.name }));
      break;
    case 'welcome':
      break; // only the joining CLI waits for it
    case 'key-rotate':
      if (d.keyRotation && !d.peer.provisional) d.keyRotation.onAnnounce(d.peer, msg.publicKey);
      else d.drops.add('control_unhandled');
      break;
    case 'key-ack':
      if (d.keyRotation) d.keyRotation.onAck(d.peer, msg.publicKey);
      else d.drops.add('control_unhandled');
      break;
    default: // nb-* / fo-*: partial failover (failover.ts); without it they are counted and ignored
      if (d.failover && !d.peer.provisional) d.failover.onPeerMessage(d.peer.id, msg, d.nowMs ?? Date.now());
      else d.drops.add('control_unhandled');
  }
}
