// Fuzz: config files (bridgehead.json) and the invites file, as text from disk. Any text gives a
// Config or one ConfigError line; a valid config round-trips through formatConfig unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConfigError, formatConfig } from '../../src/config';
import { formatInvites } from '../../src/config/invites';
import { parseConfigText, parseInvitesText } from '../../src/config/store';
import { fcParams, jsonEdits, mutateJson, readSeed, returnsOrThrowsOwn, byteEdits, mutateBytes } from './fuzz-helpers';

const CONFIGS = ['config-full.json', 'config-minimal.json'].map(readSeed);
const INVITES = readSeed('invites.json');

function checkConfigText(text: string): void {
  const r = returnsOrThrowsOwn(() => parseConfigText(text, '/etc/bridgehead/bridgehead.json'), ConfigError);
  if (r.ok) { // whatever was accepted is stable: format -> parse gives the same config
    const again = parseConfigText(formatConfig(r.value), 'again');
    assert.deepEqual(again, r.value);
  } else {
    assert.ok(r.error.message.startsWith('/etc/bridgehead/bridgehead.json'), r.error.message);
  }
}

test('fuzz config: the seeds parse and round-trip byte for byte', () => {
  for (const text of CONFIGS) assert.equal(formatConfig(parseConfigText(text, 'seed')), text);
});

test('fuzz config: JSON edits of valid configs give a Config or one ConfigError line', () => {
  fc.assert(fc.property(fc.constantFrom(...CONFIGS), jsonEdits, (seed, edits) => {
    checkConfigText(JSON.stringify(mutateJson(JSON.parse(seed), edits)));
  }), fcParams());
});

test('fuzz config: byte edits of the file text and random text', () => {
  fc.assert(fc.property(fc.oneof(
    fc.tuple(fc.constantFrom(...CONFIGS), byteEdits).map(([s, e]) => Buffer.from(mutateBytes(Buffer.from(s), e)).toString('utf8')),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? ''),
  ), checkConfigText), fcParams());
});

test('fuzz invites file: edits and random values give invites or one ConfigError line; valid lists round-trip', () => {
  assert.equal(formatInvites(parseInvitesText(INVITES, 'seed')), INVITES);
  fc.assert(fc.property(fc.oneof(
    jsonEdits.map((e) => JSON.stringify(mutateJson(JSON.parse(INVITES), e)) ?? ''),
    byteEdits.map((e) => Buffer.from(mutateBytes(Buffer.from(INVITES), e)).toString('utf8')),
  ), (text) => {
    const r = returnsOrThrowsOwn(() => parseInvitesText(text, 'invites.json'), ConfigError);
    if (r.ok) assert.deepEqual(parseInvitesText(formatInvites(r.value), 'again'), r.value);
  }), fcParams());
});
