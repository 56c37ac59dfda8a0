// Messages that arrive on a peer's authenticated control channel (see control/control-messages).

import { decodeControl, encodeControl } from '../control/control-messages';
import type { DataPlane } from '../dataplane/types';
import type { Config } from '../config/types';
import type { DropCounters } from './drop-counters';
import type { Enrollments } from './enrollments';
import type { PeerEntry } from './peer-registry';

export function handleControlMessage(d: {
  peer: PeerEntry; data: Buffer; dp: DataPlane; drops: DropCounters; config: Config; enrollments: Enrollments;
  log: { info(o: object, msg: string): void };
}): void {
  const msg = decodeControl(d.data);
  if (!msg) { d.drops.add('control_malformed'); return; }
  switch (msg.t) {
    case 'hello':
      // The hello authenticated with the enrollment keypair, so the joiner is proven.
      if (d.peer.provisional) d.enrollments.confirm(d.peer, Date.now(), msg.name);
      else d.enrollments.rename(d.peer, msg.name);
      if (!d.peer.provisional) d.dp.sendControl(d.peer.id, encodeControl({ t: 'welcome', name: d.config.name }));
      break;
    case 'welcome':
      break; // only the joining CLI waits for it
    default:
      d.drops.add('control_unhandled'); // neighbour sync is not wired into the daemon yet
  }
}
