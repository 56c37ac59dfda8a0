// keepalived's notify hook, lean: `node dist/src/cli/ha-notify-main.js STATE [-c DIR]` does what
// `bridgehead ha notify STATE -c DIR` does (control socket method `ha-notify`) without loading
// the whole CLI (commander, every command, libsodium): about a third of the start-up time, which
// is on the takeover path (docs/INTERNALS.md 11). Exit 0 done, 1 refused/not running, 2 usage.

import * as path from 'node:path';
import { callCtlsock } from '../ipc/ctlsock-client';

const USAGE = 'usage: ha-notify-main.js MASTER|BACKUP|FAULT [-c DIR]';

async function main(argv: string[]): Promise<number> {
  let dir = process.env.BRIDGEHEAD_CONFIG ?? '/etc/bridgehead';
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '-c' || argv[i] === '--config') { dir = argv[++i] ?? ''; continue; }
    rest.push(argv[i]);
  }
  const state = (rest[0] ?? '').toUpperCase();
  if (rest.length !== 1 || !['MASTER', 'BACKUP', 'FAULT'].includes(state) || !dir) {
    process.stderr.write(`bridgehead: ${USAGE}\n`);
    return 2;
  }
  try {
    await callCtlsock(path.join(dir, 'bridgehead.sock'), 'ha-notify', { state }, 5000);
    return 0;
  } catch (e) {
    process.stderr.write(`bridgehead: ha notify ${state}: ${(e as Error).message}\n`);
    return 1;
  }
}

void main(process.argv.slice(2)).then((c) => process.exit(c));
