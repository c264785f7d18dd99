/**
 * Names that are keys of records in the main process (checkpoints, benchmarks): never one that would
 * reach an object's prototype, whatever the record is made of. Its own module: the IPC contract checks
 * names with it, and so does the CLI, which must not load the contract's schema library to start.
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

export function isPrototypeKey(name: string): boolean {
  return PROTOTYPE_KEYS.has(name) || name.split(/[\\/]/).includes('__proto__');
}
