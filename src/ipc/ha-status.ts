// The `ha` block of the status snapshot and the reply of the `ha-status` control method.

export interface HaStatus {
  enabled: true;
  member: string;
  /** keepalived's last verdict: init (none yet), master, backup, fault */
  role: 'init' | 'master' | 'backup' | 'fault';
  /** TAP in the bridge and sending on the WAN */
  active: boolean;
  waitingForOther: boolean;
  steppedDown: null | { reason: 'split' | 'handover'; remainingMs: number };
  priority: number;
  peerMember: null | { member: string; address: string; role: string; active: boolean; lastHeardAgeMs: number; alive: boolean };
  lastTakeover: null | { atMs: number; ageMs: number; reason: string; restoredHosts: number };
  lastTransition: null | { ageMs: number; role: string; active: boolean; reason: string };
  /** standby: the last complete table from the active */
  table: { version: number; hosts: number; ageMs: number | null };
  counters: Record<string, number>;
}
