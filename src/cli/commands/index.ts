// The table of subcommands, in help order.
import type { CommandSpec } from './types';
import { initCommand } from './init';
import { inviteCommand, invitesCommand } from './invite';
import { peerCommand, peersCommand, reloadCommand } from './peers';
import { joinCommand } from './join';
import { upCommand } from './up';
import { statusCommand } from './status';
import { captureCommand } from './capture';
import { neighborsCommand } from './neighbors';
import { fdbCommand } from './fdb';
import { failoverCommand, failbackCommand } from './failover';
import { resolveCommand } from './resolve';
import { qosCommand } from './qos';
import { completionCommand } from './completion';
import { rotateKeyCommand } from './rotate-key';
import { tenantCommand } from './tenant';
import { haCommand } from './ha';

export const COMMANDS: readonly CommandSpec[] = [initCommand, inviteCommand, invitesCommand, joinCommand, upCommand, statusCommand, peersCommand, peerCommand, reloadCommand, rotateKeyCommand, captureCommand,
  neighborsCommand, fdbCommand, failoverCommand, failbackCommand, resolveCommand, qosCommand, tenantCommand, haCommand, completionCommand];
export type { CommandSpec, ActionRunner } from './types';
