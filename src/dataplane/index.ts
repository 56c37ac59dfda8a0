// The data plane: the typed native addon (see types.ts and docs/INTERNALS.md section 2).
export * from './types';
export * from './qos-types';
export { loadNative, loadDataPlane, addonPath, findPackageRoot } from './native';
