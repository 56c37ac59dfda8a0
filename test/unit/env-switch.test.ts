// The daemon's table of environment switches (src/daemon/env-switch.ts) and the data plane's
// limits as the addon exports them (src/dataplane/limits.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENV_SWITCHES, readEnvSwitches } from '../../src/daemon/env-switch';
import { LIMITS } from '../../src/dataplane/limits';
import { MAX_FRAME_SIZE_DEFAULT, MAX_FRAME_SIZE_MAX, MAX_FRAME_SIZE_MIN, PATH_MTU_MAX, PATH_MTU_MIN } from '../../src/config/mtu-config';
import { MAX_QOS_RULES, REALTIME_SHARE_DEFAULT, WAN_RATE_MBIT_MAX } from '../../src/config/qos-config';
import { parseConfig } from '../../src/config/config';

test('nothing set: nothing given; unrelated variables are ignored', () => {
  assert.deepEqual(readEnvSwitches({ PATH: '/bin', BH_KEEP_LOGS: '1', BRIDGEHEAD_CONFIG: '/etc/x' }), {});
});

test('each switch is read into the data-plane options it drives', () => {
  assert.deepEqual(readEnvSwitches({ BRIDGEHEAD_FQ: '1', BRIDGEHEAD_QOS: 'off', BRIDGEHEAD_TAP_OFFLOAD: 'true',
    BRIDGEHEAD_THREAD_NICE: '5', BH_UDP_OFFLOAD: 'off', BH_TAP_GRO: 'OFF' }),
  { fq: true, qos: false, tapOffload: true, threadNice: 5, udpOffload: false, tapGro: false });
  assert.deepEqual(readEnvSwitches({ BH_UDP_OFFLOAD: 'on', BH_TAP_GRO: '' }), { udpOffload: true });
  assert.deepEqual(readEnvSwitches({ BRIDGEHEAD_TAP_READER: 'io_uring' }), { tapReader: 'io_uring' });
  assert.deepEqual(readEnvSwitches({ BRIDGEHEAD_TAP_READER: 'read' }), { tapReader: 'read' });
});

test('BH_TAP_OFFLOAD=off wins over BRIDGEHEAD_TAP_OFFLOAD; =on changes nothing', () => {
  assert.equal(readEnvSwitches({ BH_TAP_OFFLOAD: 'off', BRIDGEHEAD_TAP_OFFLOAD: '1' }).tapOffload, false);
  assert.equal(readEnvSwitches({ BH_TAP_OFFLOAD: 'on' }).tapOffload, undefined);
  assert.equal(readEnvSwitches({ BH_TAP_OFFLOAD: 'on', BRIDGEHEAD_TAP_OFFLOAD: '0' }).tapOffload, false);
});

test('a bad value or a misspelt name is refused with one line', () => {
  assert.throws(() => readEnvSwitches({ BH_UDP_OFFLOAD: 'of' }), /^Error: BH_UDP_OFFLOAD="of": expected 1, 0/);
  assert.throws(() => readEnvSwitches({ BH_TAP_GRO: 'no' }), /BH_TAP_GRO="no"/);
  assert.throws(() => readEnvSwitches({ BRIDGEHEAD_THREAD_NICE: '20' }), /expected an integer from -20 to 19/);
  assert.throws(() => readEnvSwitches({ BRIDGEHEAD_TAP_READER: 'uring' }), /^Error: BRIDGEHEAD_TAP_READER="uring": expected auto, io_uring, read$/);
  assert.throws(() => readEnvSwitches({ BRIDGEHEAD_TAP_OFFLAOD: '0' }), /unknown environment variable BRIDGEHEAD_TAP_OFFLAOD \(known: /);
  assert.throws(() => readEnvSwitches({ BH_UDP_OFFLOADS: 'off' }), /unknown environment variable BH_UDP_OFFLOADS/);
  assert.ok(Object.keys(ENV_SWITCHES).every((n) => /^(BRIDGEHEAD|BH)_[A-Z_]+$/.test(n)));
});

test('the config layer validates against the limits the addon exports', () => {
  assert.deepEqual({ ...LIMITS.maxFrameSize }, { min: 1514, max: 9022, default: 1522 });
  assert.deepEqual([MAX_FRAME_SIZE_MIN, MAX_FRAME_SIZE_DEFAULT, MAX_FRAME_SIZE_MAX], [1514, 1522, 9022]);
  assert.deepEqual([PATH_MTU_MIN, PATH_MTU_MAX], [LIMITS.pathMtu.min, LIMITS.pathMtu.max]);
  assert.deepEqual({ ...LIMITS.threadNice }, { min: -20, max: 19, default: -10 });
  assert.equal(WAN_RATE_MBIT_MAX, 100_000);
  assert.equal(REALTIME_SHARE_DEFAULT, 50);
  assert.equal(MAX_QOS_RULES, 32);
  assert.ok(Object.isFrozen(LIMITS) && Object.isFrozen(LIMITS.pathMtu));
  const base = { version: 1, name: 'a', listen: { address: '0.0.0.0', port: 51820 }, tap: 'bh0', peers: [] };
  assert.throws(() => parseConfig(({ ...base, mtu: { maxFrameSize: LIMITS.maxFrameSize.max + 1 } })),
    /mtu.maxFrameSize.*1514..9022/);
  assert.throws(() => parseConfig(({ ...base, threadNice: LIMITS.threadNice.min - 1 })), /from -20 to 19/);
});
