import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureTarget } from '../../src/cli/actions/capture';
import { pcapGlobalHeader, pcapRecord, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL } from '../../src/cli/pcap-file';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';

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

// --tenant NAME --where wan: the filter, run by tcpdump (libpcap) over crafted datagrams on "any"
// (Linux cooked headers: direction in the packet type)
test('capture --tenant --where wan: only the tenant\'s datagrams (slot in the receiver index inbound, its peers\' endpoints)', (t) => {
  const tcpdump = ['/usr/bin/tcpdump', '/usr/sbin/tcpdump'].find((f) => fs.existsSync(f));
  if (!tcpdump) { t.skip('tcpdump is not installed (scripts/setup.sh)'); return; }
  const ip4 = (s: string) => Buffer.from(s.split('.').map(Number));
  const pkt = (out: boolean, src: string, sport: number, dst: string, dport: number, payload: Buffer): Buffer => {
    const sll = Buffer.alloc(16);
    sll.writeUInt16BE(out ? 4 : 0, 0); sll.writeUInt16BE(1, 2); sll.writeUInt16BE(6, 4); sll.writeUInt16BE(0x0800, 14);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45; ip.writeUInt16BE(28 + payload.length, 2); ip[8] = 64; ip[9] = 17;
    ip4(src).copy(ip, 12); ip4(dst).copy(ip, 16);
    const udp = Buffer.alloc(8);
    udp.writeUInt16BE(sport, 0); udp.writeUInt16BE(dport, 2); udp.writeUInt16BE(8 + payload.length, 4);
    return Buffer.concat([sll, ip, udp, payload]);
  };
  const data = (type: number, topByteAt: number, top: number) => { const b = Buffer.alloc(48); b[0] = type; b[topByteAt] = top; return b; };
  const ME = '198.18.0.1', PEER = '198.18.0.12', OTHER = '198.18.0.13';
  const cases: Array<[string, Buffer, boolean]> = [
    ['data in, slot 2', pkt(false, '198.18.0.99', 4001, ME, 51820, data(4, 7, 2)), true],
    ['data in, slot 3', pkt(false, OTHER, 4002, ME, 51820, data(4, 7, 3)), false],
    ['cookie reply in, slot 2', pkt(false, '198.18.0.98', 4003, ME, 51820, data(3, 7, 2)), true],
    ['response in, slot 2 at byte 11', pkt(false, '198.18.0.97', 4004, ME, 51820, data(2, 11, 2)), true],
    ['response in, slot 2 at byte 7 only', pkt(false, OTHER, 4005, ME, 51820, data(2, 7, 2)), false],
    ['data out to another tenant\'s peer, its index top byte 2', pkt(true, ME, 51820, OTHER, 4006, data(4, 7, 2)), false],
    ['data out to the peer', pkt(true, ME, 51820, PEER, 51820, data(4, 7, 9)), true],
    ['initiation in from the peer', pkt(false, PEER, 51820, ME, 51820, data(1, 7, 0)), true],
    ['initiation in from elsewhere', pkt(false, OTHER, 4007, ME, 51820, data(1, 7, 0)), false],
    ['slot 2, another port', pkt(false, '198.18.0.96', 4008, ME, 4000, data(4, 7, 2)), false],
  ];
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bh-cap-')), 'wan.pcap');
  fs.writeFileSync(file, Buffer.concat([pcapGlobalHeader(LINKTYPE_LINUX_SLL), ...cases.map(([, b]) => pcapRecord(1_700_000_000_000, b, b.length))]));
  const { filter } = captureTarget({ config: '/x', count: 1, seconds: 1, where: 'wan', tenant: 'acme' }, 'bt-acme', 51820,
    { slot: 2, endpoints: [`${PEER}:51820`, 'peer.example:51820'] });
  assert.equal(filter, 'udp port 51820 and ((inbound and (((udp[8] = 4 or udp[8] = 3) and udp[15] = 2) or (udp[8] = 2 and udp[19] = 2))) or (host 198.18.0.12 and udp port 51820))');
  const outText = execFileSync(tcpdump, ['-n', '-r', file, filter], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = outText.trim().split('\n').filter(Boolean);
  const want = cases.filter(([, , m]) => m).map(([n]) => n);
  assert.equal(lines.length, want.length, `matched:\n${outText}\nwanted: ${want.join('; ')}`);
  // every matched line is one of the wanted ones (identified by its source and destination)
  const ids = cases.map(([n, b]) => [n, `${b.subarray(28, 32).join('.')}.${b.readUInt16BE(36)} > ${b.subarray(32, 36).join('.')}.${b.readUInt16BE(38)}`]);
  for (const l of lines) {
    const hit = ids.find(([, id]) => l.includes(id));
    assert.ok(hit && want.includes(hit[0]), `unexpected match: ${l}`);
  }
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
});
