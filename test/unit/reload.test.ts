// The daemon's config reload (src/daemon/reload.ts) against a recording fake data plane: what a
// reload applies live (peer endpoint, removal, keepalive, path MTU pin, MSS clamp), what it names
// as restart-only, and that an invalid file is refused with the reason and changes nothing.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { rm, run, tmpDir } from './cli-helpers';
import { loadConfig, updateConfig } from '../../src/config/store';
import { PeerRegistry } from '../../src/daemon/peer-registry';
import { syncPeersFromConfig } from '../../src/daemon/peer-sync';
import { PmtuDriver } from '../../src/daemon/pmtu-driver';
import { Reloader } from '../../src/daemon/reload';
import type { DataPlane } from '../../src/dataplane/types';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

function fakeDp(calls: string[]): DataPlane {
  const rec = (name: string) => (...a: unknown[]) => { calls.push(`${name} ${JSON.stringify(a)}`); };
  return { addPeer: rec('addPeer'), removePeer: rec('removePeer'), setEndpoint: rec('setEndpoint'), setPathMtu: rec('setPathMtu'),
    setMssClamp: rec('setMssClamp'), setRelay: rec('setRelay'), qosStats: () => ({ enabled: false }) } as unknown as DataPlane;
}

test('reload: endpoint, keepalive, removal, path MTU and MSS clamp apply live; maxFrameSize needs a restart; an invalid file changes nothing', async () => {
  const d = tmpDir();
  try {
    assert.equal((await run(['init', '--config', d, '--name', 'here', '--listen', '0.0.0.0:51820'])).code, 0);
    const peer = (name: string, k: number, endpoint: string | null) => ({ name, publicKey: Buffer.alloc(32, k).toString('base64'),
      endpoint, psk: Buffer.alloc(32, 9).toString('base64'), persistentKeepaliveS: 25, addedAt: '2026-01-01T00:00:00.000Z' });
    updateConfig(d, (c) => ({ ...c, peers: [peer('alpha', 1, '198.18.0.2:51820'), peer('beta', 2, null)] }));
    const running = loadConfig(d);
    const calls: string[] = [];
    const dp = fakeDp(calls);
    const registry = new PeerRegistry();
    await syncPeersFromConfig({ config: running, registry, dp, log: silent });
    const pmtu = new PmtuDriver(dp, running, silent);
    const reloader = new Reloader({ configDir: d, registry, dp, log: silent, failover: null, running, pmtu });
    const [alpha, beta] = registry.all();
    calls.length = 0;

    // invalid file: refused with the reason, nothing touched
    const good = fs.readFileSync(path.join(d, 'bridgehead.json'), 'utf8');
    fs.writeFileSync(path.join(d, 'bridgehead.json'), good.replace('"198.18.0.2:51820"', '"198.18.0.2"'));
    let r = await reloader.reload('test');
    assert.equal(r.ok, false);
    assert.match(r.error ?? '', /peers\[0\]\.endpoint/);
    assert.equal(calls.length, 0, calls.join("\n"));
    assert.equal(registry.all().length, 2);
    assert.equal(alpha.configuredEndpoint, '198.18.0.2:51820');

    fs.writeFileSync(path.join(d, 'bridgehead.json'), good);
    updateConfig(d, (c) => ({ ...c, topology: 'hub', mtu: { pathMtu: 1400, mssClamp: true, maxFrameSize: 9022 },
      peers: [{ ...c.peers[0], endpoint: '198.18.0.3:4000', persistentKeepaliveS: 0 }] }));
    r = await reloader.reload('test');
    assert.equal(r.ok, true, r.error);
    assert.deepEqual(r.removed, ['beta']);
    assert.deepEqual(r.updated, ['alpha']);
    assert.deepEqual(r.needRestart, ['mtu.maxFrameSize']);
    assert.ok(calls.includes(`removePeer [${beta.id}]`), calls.join('\n'));
    assert.ok(calls.includes(`setEndpoint [${alpha.id},{"address":"198.18.0.3","port":4000}]`), calls.join('\n'));
    assert.ok(calls.includes(`setPathMtu [${alpha.id},1400]`), calls.join('\n'));
    assert.ok(calls.includes('setMssClamp [true]'), calls.join('\n'));
    assert.ok(calls.includes('setRelay [true]'), 'topology hub applies live: ' + calls.join('\n'));
    assert.equal(alpha.persistentKeepaliveMs, 0);
    assert.equal(registry.all().length, 1);
  } finally { rm(d); }
});
