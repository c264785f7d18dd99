import type { FaultPlan, FaultRule, RequestKind } from './types';
import { seededRandom } from '../../shared/random';

/** What the server must do to one request, decided before it is handled. */
export interface FaultDecision {
  latencyMs: number;
  failure?:
    | { fault: 'status'; status: number; message?: string }
    | { fault: 'rate-limit'; retryAfterSeconds: number }
    | { fault: 'reset'; afterBytes: number };
}


interface RuleState {
  rule: FaultRule;
  matched: number;
  fired: number;
  random: () => number;
}

/**
 * Each rule keeps its own counters and its own generator, so whether a rule fires depends only on how many
 * requests it has matched so far, not on traffic the rule does not select.
 */
export class FaultInjector {
  private states: RuleState[] = [];

  constructor(
    plan: FaultPlan | undefined,
    private readonly defaultSeed: number,
  ) {
    this.setPlan(plan);
  }

  setPlan(plan: FaultPlan | undefined): void {
    validatePlan(plan);
    const seed = plan?.seed ?? this.defaultSeed;
    this.states = (plan?.rules ?? []).map((rule, index) => ({
      rule,
      matched: 0,
      fired: 0,
      random: seededRandom(seed * 7919 + index * 104729 + 1),
    }));
  }

  /**
   * The faults for one request, as it arrives. `bodyBytes` is its declared Content-Length (0 for a request without
   * a body), unknown for a chunked one: a `reset` after N bytes passes over requests whose body is no longer than N
   * (they could never be cut), so with parts sent together, or a xorb's `HEAD` before its `POST`, the reset lands on
   * a body it can cut, whichever reaches the server first.
   */
  decide(kind: RequestKind, bodyBytes?: number): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const state of this.states) {
      const { rule } = state;
      if (rule.kinds && !rule.kinds.includes(kind)) continue;
      if (rule.fault === 'reset' && rule.afterBytes > 0 && bodyBytes !== undefined && bodyBytes <= rule.afterBytes) continue;
      if (rule.fault !== 'latency' && decision.failure) continue;
      state.matched += 1;
      if (state.matched <= (rule.skip ?? 0)) continue;
      if (rule.count !== undefined && state.fired >= rule.count) continue;
      // Draw for every eligible request, so the sequence does not depend on earlier outcomes.
      const draw = state.random();
      if (draw >= (rule.share ?? 1)) continue;
      state.fired += 1;
      switch (rule.fault) {
        case 'latency':
          decision.latencyMs += rule.ms;
          break;
        case 'status':
          decision.failure = { fault: 'status', status: rule.status, message: rule.message };
          break;
        case 'rate-limit':
          decision.failure = { fault: 'rate-limit', retryAfterSeconds: rule.retryAfterSeconds ?? 30 };
          break;
        case 'reset':
          decision.failure = { fault: 'reset', afterBytes: rule.afterBytes };
          break;
      }
    }
    return decision;
  }
}

function validatePlan(plan: FaultPlan | undefined): void {
  for (const rule of plan?.rules ?? []) {
    if (rule.share !== undefined && !(rule.share >= 0 && rule.share <= 1)) {
      throw new RangeError(`Fault rule share must be between 0 and 1, got ${rule.share}`);
    }
    if (rule.fault === 'status' && !(Number.isInteger(rule.status) && rule.status >= 400 && rule.status <= 599)) {
      throw new RangeError(`Fault rule status must be an HTTP error status (400-599), got ${rule.status}`);
    }
    if (rule.fault === 'reset' && !(Number.isInteger(rule.afterBytes) && rule.afterBytes >= 0)) {
      throw new RangeError(`Fault rule afterBytes must be a non-negative integer, got ${rule.afterBytes}`);
    }
    if (rule.fault === 'latency' && !(rule.ms >= 0)) {
      throw new RangeError(`Fault rule ms must be non-negative, got ${rule.ms}`);
    }
  }
}

const requestKinds: readonly RequestKind[] = [
  'whoami', 'create-repo', 'delete-repo', 'repo-info', 'preupload', 'lfs-batch', 'lfs-put', 'lfs-part', 'lfs-complete',
  'commit', 'commits', 'tree', 'paths-info', 'resolve', 'raw', 'branch', 'validate-yaml', 'preflight',
  'xet-token', 'xet-xorb', 'xet-shard', 'xet-dedup', 'xet-reconstruction', 'xet-file', 'xet-data', 'other',
];

/**
 * Parses the command-line form of one rule, e.g. `status=503,kinds=commit+lfs-part,count=2`,
 * `rate-limit=30,kinds=preupload`, `reset=1048576,kinds=lfs-part,count=1`, `latency=200,share=0.5`.
 */
export function parseFaultRule(text: string): FaultRule {
  const fields = new Map<string, string>();
  for (const part of text.split(',')) {
    const [key, value] = part.split('=', 2).map((s) => s.trim());
    if (!key || value === undefined || value === '') throw new Error(`Fault "${text}": expected key=value pairs, got "${part}"`);
    fields.set(key, value);
  }
  const number = (key: string): number | undefined => {
    const raw = fields.get(key);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new Error(`Fault "${text}": ${key} must be a number, got "${raw}"`);
    return value;
  };
  const kinds = fields.get('kinds')?.split('+') as RequestKind[] | undefined;
  for (const kind of kinds ?? []) {
    if (!requestKinds.includes(kind)) throw new Error(`Fault "${text}": unknown kind "${kind}" (known: ${requestKinds.join(', ')})`);
  }
  const selector = { kinds, skip: number('skip'), count: number('count'), share: number('share') };
  const known = new Set(['kinds', 'skip', 'count', 'share', 'status', 'rate-limit', 'reset', 'latency', 'message']);
  for (const key of fields.keys()) {
    if (!known.has(key)) throw new Error(`Fault "${text}": unknown field "${key}"`);
  }
  if (fields.has('status')) return { ...selector, fault: 'status', status: number('status')!, message: fields.get('message') };
  if (fields.has('rate-limit')) return { ...selector, fault: 'rate-limit', retryAfterSeconds: number('rate-limit')! };
  if (fields.has('reset')) return { ...selector, fault: 'reset', afterBytes: number('reset')! };
  if (fields.has('latency')) return { ...selector, fault: 'latency', ms: number('latency')! };
  throw new Error(`Fault "${text}": name one of status=CODE, rate-limit=SECONDS, reset=BYTES, latency=MS`);
}
