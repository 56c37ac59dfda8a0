// The table of subcommands, in help order.
import type { CommandSpec } from './types';
import { initCommand } from './init';
import { inviteCommand } from './invite';
import { joinCommand } from './join';
import { upCommand } from './up';
import { statusCommand } from './status';
import { captureCommand } from './capture';

export const COMMANDS: readonly CommandSpec[] = [initCommand, inviteCommand, joinCommand, upCommand, statusCommand, captureCommand];
export type { CommandSpec, ActionRunner } from './types';
