// A status snapshot as the daemon would return it, shared by the status tests.
import type { StatusSnapshot } from '../../src/ipc/status-types';

export const SAMPLE_STATUS: StatusSnapshot = {
  name: 'site-a',
  publicKey: 'AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=',
  listen: '0.0.0.0:51820',
  tap: 'bh0',
  bridge: 'br0',
  uptimeMs: 3_723_000,
  peers: [
    {
      name: 'site-b',
      publicKey: 'AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=',
      endpoint: '198.18.0.2:51820',
      state: 'up',
      lastHandshakeAgeMs: 65_400,
      rxBytes: 1_268_777,
      txBytes: 3_482,
      rxFrames: 1234,
      txFrames: 1,
      lastRxAgeMs: 2_000,
      lastTxAgeMs: 500,
    },
    {
      name: 'dr-2',
      publicKey: 'AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=',
      endpoint: null,
      state: 'down',
      lastHandshakeAgeMs: null,
      rxBytes: 0,
      txBytes: 0,
      rxFrames: 0,
      txFrames: 0,
      lastRxAgeMs: null,
      lastTxAgeMs: null,
    },
  ],
  totals: { rxDatagrams: 1300, rxBytes: 1_400_000, txDatagrams: 40, txBytes: 900, tapRxFrames: 41, tapTxFrames: 1234, floods: 3 },
  drops: { auth_failed: 2, replay: 0, short: 7, key_expired: 2 },
  macTable: { size: 12, capacity: 4096, learned: 40, moved: 1, full: 0, aged: 28 },
  events: { dropped: 0 },
};
