// The two sites of a stretched segment and the conflict policies of partial failover: plain
// values the config, the failover state machines (src/control/mobility.ts) and the replies share.

export type Site = 'tenant' | 'provider';

export type ConflictPolicy = 'quarantine' | 'log-only' | 'prefer-tenant';
