// The table of subcommands, in help order.
import type { CommandSpec } from './types';
import { initCommand } from './init';
import { inviteCommand } from './invite';
import { joinCommand } from './join';
import { upCommand } from './up';
import { statusCommand } from './status';

export const COMMANDS: readonly CommandSpec[] = [initCommand, inviteCommand, joinCommand, upCommand, statusCommand];
export type { CommandSpec, ActionRunner } from './types';
