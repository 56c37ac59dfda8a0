import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureTarget } from '../../src/cli/actions/capture';
import { pcapGlobalHeader, pcapRecord, LINKTYPE_ETHERNET } from '../../src/cli/pcap-file';

test('capture target: tap side, wan side, explicit interface and extra filter', () => {
  const base = { config: '/x', count: 1, seconds: 1 };
  assert.deepEqual(captureTarget({ ...base, where: 'tap' }, 'bh0', 51820), { device: 'bh0', filter: '' });
  assert.deepEqual(captureTarget({ ...base, where: 'wan' }, 'bh0', 51820), { device: 'any', filter: 'udp port 51820' });
  assert.deepEqual(captureTarget({ ...base, where: 'wan', interface: 'ens3', filter: 'host 198.18.0.1' }, 'bh0', 4000),
    { device: 'ens3', filter: 'udp port 4000 and (host 198.18.0.1)' });
  assert.deepEqual(captureTarget({ ...base, where: 'tap', filter: 'arp' }, 'bh0', 1), { device: 'bh0', filter: '(arp)' });
});

test('pcap file headers follow the libpcap format', () => {
  const g = pcapGlobalHeader(LINKTYPE_ETHERNET);
  assert.equal(g.length, 24);
  assert.equal(g.readUInt32LE(0), 0xa1b2c3d4);
  assert.equal(g.readUInt16LE(4), 2);
  assert.equal(g.readUInt16LE(6), 4);
  assert.equal(g.readUInt32LE(20), 1);
  const r = pcapRecord(1_700_000_000_123.5, Buffer.from([1, 2, 3]), 60);
  assert.equal(r.readUInt32LE(0), 1_700_000_000);
  assert.equal(r.readUInt32LE(4), 123_500);
  assert.equal(r.readUInt32LE(8), 3);
  assert.equal(r.readUInt32LE(12), 60);
  assert.deepEqual([...r.subarray(16)], [1, 2, 3]);
});
