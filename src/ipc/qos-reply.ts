// The `qos` ctlsock reply (served by src/daemon/qos.ts, printed by src/cli/qos-format.ts).

import type { formatQosConfig } from '../config/qos-config';
import type { QosStats } from '../dataplane/qos-types';

/** The configured section and the data plane's live view. */
export interface QosReply {
  enabled: boolean;
  config: ReturnType<typeof formatQosConfig> | null;
  live: QosStats;
}
