// The config layer: pure parse/validate/format plus the on-disk store.
export * from './errors';
export * from './validate';
export * from './config';
export * from './invites';
export * from './store';
