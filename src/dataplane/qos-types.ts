// QoS (issue 5): the addon's band scheduler + shaper API (docs/INTERNALS.md section 2c).

export type QosBand = 'network-control' | 'realtime' | 'interactive' | 'best-effort' | 'bulk';
export const QOS_BANDS: readonly QosBand[] = ['network-control', 'realtime', 'interactive', 'best-effort', 'bulk'];

/** IP protocol number (6 TCP, 17 UDP, ...); 0 = TCP and UDP. Ports match source OR destination. */
export interface QosRule {
  proto: number;
  portFrom: number;
  portTo: number;
  band: QosBand;
}

/** DataPlane.setQos: replaces every setting; an omitted field takes its default. */
export interface QosSettings {
  /** shaper rate in bits/s; 0 or absent = no shaper (bands still ordered when the send path backs up) */
  wanRateBitsPerS?: number;
  /** 1..100, default 50: the most network-control + realtime may take while other bands wait */
  realtimeSharePct?: number;
  /** at most 32, first match wins; they override DSCP and PCP */
  rules?: QosRule[];
  /** outer DSCP (0..63) per band; default network-control 48 (CS6), realtime 46 (EF),
   * interactive 34 (AF41), best-effort 0, bulk 8 (CS1) */
  outerDscp?: Partial<Record<QosBand, number>>;
}

export interface QosBandStats {
  name: QosBand;
  dscp: number;
  enqueued: number;
  sent: number;
  sentBytes: number;
  /** tail drops (bulk: head drops) when the band was full; also drops.qos_band_full (sum) */
  dropped: number;
  depthPackets: number;
  depthBytes: number;
  limitPackets: number;
  limitBytes: number;
}

export interface QosStats {
  /** the data plane was created with options.qos */
  enabled: boolean;
  wanRateBitsPerS: number;
  realtimeSharePct: number;
  /** times the shaper made the sender wait for tokens */
  shaperDelayed: number;
  /** the five bands in priority order; [] when disabled */
  bands: QosBandStats[];
  rules: Array<{ proto: number; portFrom: number; portTo: number; band: QosBand }>;
}

export interface QosDataPlane {
  /** throws ERR_QOS_OFF unless created with options.qos */
  setQos(settings: QosSettings): void;
  qosStats(): QosStats;
}
