import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { parseFaultRule } from './faults';
import { startLocalHub } from './server';
import type { FaultPlan, LocalHubOrg, LocalHubUser } from './types';

const usage = `Usage: npm run local-hub -- --data-dir DIR --user NAME:TOKEN:ROLE [options]

  --port N                 port to listen on (0 or omitted: a free port)
  --host H                 address to bind (default 127.0.0.1)
  --data-dir DIR           where repos and objects are kept (required; survives restarts)
  --user NAME:TOKEN:ROLE   a user; TOKEN starts with hf_, ROLE is read or write (repeatable)
  --org NAME:M1,M2         an organisation and its members (repeatable)
  --fault RULE             inject a fault (repeatable), e.g.
                             status=503,kinds=commit+lfs-part,count=2
                             rate-limit=30,kinds=preupload
                             reset=1048576,kinds=lfs-part,count=1
                             latency=200,share=0.5
                           selectors: kinds=K1+K2, skip=N, count=N, share=0..1
  --faults-file FILE       a JSON FaultPlan ({"rules":[...]}), merged before --fault rules
  --seed N                 seed of the fault generator (default 1)
  --tree-page-size N       entries per tree page (default 1000)
  --multipart-threshold B  LFS objects from this size go multipart (default 20000000)
  --multipart-chunk-size B part size (default 16777216)
  --no-xet                 an LFS-only mirror: no Xet token endpoints, no CAS, LFS batch always basic
  --xet-token-lifetime S   lifetime of the CAS tokens it issues, in seconds (default 3600)
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${usage}`);
  process.exit(2);
}

function integer(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) fail(`${flag} must be a non-negative integer, got "${value}"`);
  return parsed;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        user: { type: 'string', multiple: true },
        org: { type: 'string', multiple: true },
        fault: { type: 'string', multiple: true },
        'faults-file': { type: 'string' },
        seed: { type: 'string' },
        'tree-page-size': { type: 'string' },
        'multipart-threshold': { type: 'string' },
        'multipart-chunk-size': { type: 'string' },
        'no-xet': { type: 'boolean' },
        'xet-token-lifetime': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const dataDir = values['data-dir'];
  if (!dataDir) fail('--data-dir is required');
  const users: LocalHubUser[] = (values.user ?? []).map((spec) => {
    const [name, token, role] = spec.split(':');
    if (!name || !token || (role !== 'read' && role !== 'write')) fail(`--user "${spec}" must be NAME:TOKEN:read or NAME:TOKEN:write`);
    if (!token.startsWith('hf_')) fail(`--user "${spec}": the token must start with hf_ (the JS client refuses others)`);
    return { name, token, role };
  });
  const orgs: LocalHubOrg[] = (values.org ?? []).map((spec) => {
    const [name, members = ''] = spec.split(':');
    if (!name) fail(`--org "${spec}" must be NAME:member1,member2`);
    return { name, members: members.split(',').filter(Boolean) };
  });
  let faults: FaultPlan | undefined;
  try {
    const fromFile = values['faults-file'] ? (JSON.parse(readFileSync(values['faults-file'], 'utf8')) as FaultPlan) : undefined;
    const rules = [...(fromFile?.rules ?? []), ...(values.fault ?? []).map(parseFaultRule)];
    faults = rules.length > 0 ? { ...fromFile, rules } : undefined;
  } catch (error) {
    fail((error as Error).message);
  }
  const hub = await startLocalHub({
    port: integer(values.port, '--port'),
    host: values.host,
    dataDir: resolve(dataDir),
    users,
    orgs,
    faults,
    seed: integer(values.seed, '--seed'),
    treePageSize: integer(values['tree-page-size'], '--tree-page-size'),
    multipartThreshold: integer(values['multipart-threshold'], '--multipart-threshold'),
    multipartChunkSize: integer(values['multipart-chunk-size'], '--multipart-chunk-size'),
    xet: !values['no-xet'],
    xetTokenLifetimeSeconds: integer(values['xet-token-lifetime'], '--xet-token-lifetime'),
  });
  process.stdout.write(`Local Hub listening on ${hub.url}\n`);
  const stop = () => {
    void hub.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`Local Hub failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
