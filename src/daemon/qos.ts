// QoS in the daemon (docs/INTERNALS.md 2c): whether the data plane gets the band scheduler
// (config `qos` section, overridable by BRIDGEHEAD_QOS=1/0 for A/B measurements), applying the
// section's settings at start and on reload, and the ctlsock method `qos` (live bands).

import type { Config } from '../config/types';
import { readEnvSwitches } from './env-switch';
import { QosConfig, formatQosConfig, qosSettings } from '../config/qos-config';
import type { DataPlane } from '../dataplane';
import type { CtlsockHandlers } from './ctlsock-server';
import type { QosReply } from '../ipc/qos-reply';

/** The data plane is created with options.qos: a qos section that is not disabled. */
export function qosEnabled(config: Pick<Config, 'qos'>, env: NodeJS.ProcessEnv = process.env): boolean {
  return readEnvSwitches(env).qos ?? config.qos?.enabled ?? false;
}

/** Pushes the section's settings down (the defaults when the section is absent but QoS forced on). */
export function applyQos(dp: DataPlane, config: Pick<Config, 'qos'>, on: boolean): void {
  if (!on) return;
  dp.setQos(config.qos ? qosSettings(config.qos) : {});
}

export function qosHandlers(dp: DataPlane, config: () => { qos?: QosConfig }): CtlsockHandlers {
  return {
    qos: (): QosReply => {
      const live = dp.qosStats();
      const q = config().qos;
      return { enabled: live.enabled, config: q ? formatQosConfig(q) : null, live };
    },
  };
}
