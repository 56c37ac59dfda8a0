// Which TAP reader runs and why (src/daemon/tap-reader.ts): status JSON and the start-up log line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tapReaderLogLine, tapReaderState } from '../../src/daemon/tap-reader';

const g = (io: number, errno: number) => ({ tapReaderIoUring: io, tapReaderErrno: errno, tapUringSubmits: 10, tapUringFrames: 35 });

test('io_uring runs: no why, submits and frames passed through', () => {
  const s = tapReaderState(g(1, 0));
  assert.deepEqual(s, { reader: 'io_uring', submits: 10, frames: 35 });
  assert.equal(tapReaderLogLine(s, 'auto'), "TAP reader: io_uring (batched reads; tapReader 'auto')");
});

test("read() runs: 'asked' for tapReader 'read', the errno name when io_uring was refused", () => {
  assert.equal(tapReaderState(g(0, 0)).why, 'asked');
  assert.equal(tapReaderLogLine(tapReaderState(g(0, 0)), 'read'), "TAP reader: read() per frame (tapReader 'read')");
  const eperm = tapReaderState(g(0, 1));
  assert.equal(eperm.why, 'EPERM');
  assert.equal(tapReaderLogLine(eperm, 'auto'), "TAP reader: read() per frame (io_uring unavailable: EPERM; tapReader 'auto')");
  assert.equal(tapReaderState(g(0, 38)).why, 'ENOSYS');
  assert.equal(tapReaderState(g(0, 99999)).why, 'errno 99999');
});
