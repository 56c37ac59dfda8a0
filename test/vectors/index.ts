// Where the tests find the known-answer vectors: test/vectors/ inside the checkout (published
// data, provenance in test/vectors/README.md). Nothing outside the repository is read.
import * as path from 'node:path';
import { findPackageRoot } from '../../src/dataplane/native';

export function testVector(name: string): string {
  return path.join(findPackageRoot(), 'test', 'vectors', name);
}
