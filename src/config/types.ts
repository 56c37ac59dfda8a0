// Type-only entry point for the config shapes (the daemon imports these).
export type { Config, PeerConfig } from './config';
export type { Invite, FindResult } from './invites';
export type { LogLevel } from './validate';
export type { ConflictPolicy, Site } from './site';
