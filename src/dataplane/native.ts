// Loads the native addon build/Release/bridgehead.node from the package root. The root is found
// by walking up from this file's directory to the package.json named "bridgehead", so it works
// both from src/dataplane (ts-node) and from dist/src/dataplane (compiled).
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { NativeAddon } from './types';

const ADDON = path.join('build', 'Release', 'bridgehead.node');

export function findPackageRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'bridgehead') return dir;
      } catch {
        // unreadable package.json: keep walking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`bridgehead: package root not found above ${start}`);
    dir = parent;
  }
}

export function addonPath(): string {
  return path.join(findPackageRoot(), ADDON);
}

let cached: NativeAddon | undefined;

/** The addon, loaded once. Throws with a hint when it has not been built. */
export function loadNative(): NativeAddon {
  if (cached) return cached;
  const file = addonPath();
  if (!fs.existsSync(file)) {
    throw new Error(`bridgehead: native addon not built: ${file} is missing (run: npm run build:native)`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  cached = require(file) as NativeAddon;
  return cached;
}

/** Alias of loadNative (the name the daemon and enrollment code use). */
export const loadDataPlane = loadNative;
