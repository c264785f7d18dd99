export { startLocalHub } from './server';
export { parseFaultRule } from './faults';
export type {
  FaultPlan,
  FaultRule,
  FaultSelector,
  LocalHub,
  LocalHubOptions,
  LocalHubOrg,
  LocalHubUser,
  RequestKind,
  RequestLogEntry,
} from './types';
export { localHubNodeFlags } from './node-flags';
