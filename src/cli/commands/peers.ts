// bridgehead peers / peer remove NAME / peer set NAME --endpoint HOST:PORT / reload: the peer
// lifecycle. The edits are locked read-modify-writes of bridgehead.json followed by a reload of the
// running daemon (src/daemon/reload.ts).

import { Option } from 'commander';
import { parseName, parseHostPort, formatHostPort } from '../../config/validate';
import { PERSISTENT_KEEPALIVE_S_MAX } from '../../config/config';
import { ValueError } from '../../util/value-error';
import { configOption, valueParser } from '../options';
import { peerRemoveAction, peerSetAction, peersAction, reloadAction,
  type PeerRemoveOptions, type PeerSetOptions, type PeersOptions, type ReloadOptions } from '../actions/peers';
import { UsageError } from '../io';
import type { CommandSpec } from './types';

const nameArg = valueParser('NAME', parseName);

/** "none" stays "none" (commander turns a null from a parser into ""); the action maps it to null. */
function parseEndpointArg(s: string): string {
  if (s === 'none') return s;
  const hp = parseHostPort(s);
  return formatHostPort(hp.host, hp.port);
}

function parseKeepalive(s: string): number {
  if (!/^\d+$/.test(s)) throw new ValueError('not a whole number of seconds');
  const n = Number(s);
  if (n > PERSISTENT_KEEPALIVE_S_MAX) throw new ValueError(`must be 0..${PERSISTENT_KEEPALIVE_S_MAX}`);
  return n;
}

export const peersCommand: CommandSpec = {
  name: 'peers',
  define(parent, io, ctx, run) {
    return parent
      .command('peers')
      .summary('list the paired peers (config + live state of the running daemon)')
      .description('List the peers of bridgehead.json with their configured endpoint and keepalive, and, when the daemon ' +
        'runs, their live state, current endpoint, last handshake and traffic.')
      .addOption(configOption(io))
      .option('--json', 'print the list as JSON', false)
      .action(run(async (opts: PeersOptions) => peersAction(opts, ctx)));
  },
};

export const peerCommand: CommandSpec = {
  name: 'peer',
  define(parent, io, ctx, run) {
    const peer = parent
      .command('peer')
      .summary('change or remove one peer (applied to the running daemon at once)')
      .description('Edit one peer in bridgehead.json (under the config lock) and reload the running daemon, if any. ' +
        'Exit 1 when the daemon refuses the reload; the file keeps the change and the daemon its previous config.');
    peer
      .command('remove').allowExcessArguments(false)
      .summary('remove a peer: its tunnel goes down, its packets are dropped and counted')
      .description('Remove the peer NAME from bridgehead.json and from the running daemon. Its session keys are wiped; ' +
        'datagrams it still sends are dropped without an answer and counted (status drops: unknown_index for ' +
        'transport data, handshake_* for handshakes). Pairing again needs a new invite.')
      .argument('<NAME>', 'peer name (see "bridgehead peers")', nameArg)
      .addOption(configOption(io))
      .option('--json', 'print the result as JSON', false)
      .action(run(async (name: string, opts: PeerRemoveOptions) => peerRemoveAction(name, opts, ctx)));
    peer
      .command('set').allowExcessArguments(false)
      .summary('change a peer\'s endpoint or keepalive')
      .description('Change the configured endpoint (HOST:PORT, [IPv6]:PORT, or "none" to only learn it from the peer) or ' +
        'the persistent keepalive of the peer NAME; a running daemon sends to the new endpoint at once.')
      .argument('<NAME>', 'peer name (see "bridgehead peers")', nameArg)
      .addOption(configOption(io))
      .addOption(new Option('--endpoint <HOST:PORT>', 'where to reach the peer, or "none"')
        .argParser(valueParser('--endpoint', parseEndpointArg)))
      .addOption(new Option('--keepalive <SECONDS>', `persistent keepalive, 0 = off (0..${PERSISTENT_KEEPALIVE_S_MAX})`)
        .argParser(valueParser('--keepalive', parseKeepalive)))
      .option('--json', 'print the result as JSON', false)
      .action(run(async (name: string, opts: PeerSetOptions) => {
        if (opts.endpoint === undefined && opts.keepalive === undefined) throw new UsageError('peer set: give --endpoint and/or --keepalive');
        return peerSetAction(name, { ...opts, ...(opts.endpoint === 'none' ? { endpoint: null } : {}) }, ctx);
      }));
    return peer;
  },
};

export const reloadCommand: CommandSpec = {
  name: 'reload',
  define(parent, io, ctx, run) {
    return parent
      .command('reload')
      .summary('make the running daemon re-read its config (same as SIGHUP)')
      .description('The running daemon re-reads bridgehead.json and applies what can change live: peers added, removed ' +
        'or changed (endpoint, keepalive, psk), the failover section, QoS rates and rules. Settings read only at start ' +
        'are named as needing a restart. An invalid file is refused with the reason (exit 1) and changes nothing.')
      .addOption(configOption(io))
      .option('--json', 'print the daemon\'s reply as JSON', false)
      .action(run(async (opts: ReloadOptions) => reloadAction(opts, ctx)));
  },
};
