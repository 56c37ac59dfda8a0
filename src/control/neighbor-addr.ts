// Moved to src/util/addr.ts (address parsing is used below the control layer too); kept so
// existing imports keep working.
export * from '../util/addr';
