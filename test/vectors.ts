// Where the tests find the shared known-answer vectors: ../shared/vectors beside the checkout,
// read in place (never copied into the repository).
import * as path from 'node:path';
import { findPackageRoot } from '../src/dataplane/native';

export function sharedVector(name: string): string {
  return path.join(findPackageRoot(), '..', 'shared', 'vectors', name);
}
