/**
 * Uploads large files through the real @huggingface/hub client into the local Hub and prints how fast the server
 * takes LFS parts and how much memory it needs. The server runs as a child process (the same command line as
 * `npm run local-hub`), started fresh for every size, so its peak RSS (VmHWM) is its own and per size.
 *
 * Four passes per size, each against a fresh server:
 *  1. the real client (`uploadFiles` streaming the file from disk), as other tools use the local Hub;
 *  1b. the app's own LFS upload (`uploadLfsObjects` through `createHubFetch`, with the SHA-256 known, as a
 *     publish sends it), with the client's CPU time: what a publish sees;
 *  2. a plain HTTP client (node:http piping the file, 5 parts at a time, like the real client) doing the multipart
 *     upload: how fast the server itself takes parts when the client's own costs (web streams inside fetch) are
 *     taken away;
 *  3. the same client sending the whole object in one basic PUT (the server is started with a multipart threshold
 *     above the object's size).
 *
 *   npx tsx bench/local-hub-upload.ts                 # 256 MiB and 2 GiB
 *   npx tsx bench/local-hub-upload.ts 64 1024         # sizes in MiB
 *   npx tsx bench/local-hub-upload.ts --plain-only    # skip the real client (pass 1)
 *   npx tsx bench/local-hub-upload.ts --parts-in-flight 1 1024   # the plain client's parts at once (default 5)
 *   LOCAL_HUB_BENCH_CPU_PROF=/tmp/prof npx tsx bench/local-hub-upload.ts   # --cpu-prof every server into that folder
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { request } from 'node:http';
import { Agent } from 'node:http';
import { mkdtemp, open, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRepo, uploadFiles } from '@huggingface/hub';
import { localHubNodeFlags } from '../e2e/local-hub/node-flags';
import { uploadLfsObjects } from '../electron/services/publish/lfs';
import { createHubFetch } from '../electron/services/publish/transport';
import { parseRepoName } from '../shared/repo-name';

const MiB = 1024 * 1024;
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const token = 'hf_bench_upload_token';
/** Parts the plain client sends at once (`--parts-in-flight N`). */
let partsInFlight = 5;

interface ServerProcess {
  child: ChildProcess;
  url: string;
}

async function startServer(dataDir: string, extraArgs: string[] = []): Promise<ServerProcess> {
  const profileDir = process.env.LOCAL_HUB_BENCH_CPU_PROF;
  const child = spawn(
    process.execPath,
    [
      ...localHubNodeFlags,
      ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
      '--import',
      'tsx',
      join(projectRoot, 'e2e/local-hub/cli.ts'),
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--user',
      `bench:${token}:write`,
      ...extraArgs,
    ],
    { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const line = await new Promise<string>((resolveLine, reject) => {
    lines.once('line', resolveLine);
    child.once('exit', (code) => reject(new Error(`local hub exited with ${code} before listening`)));
  });
  const url = /listening on (\S+)/.exec(line)?.[1];
  if (!url) throw new Error(`Unexpected first line from the local hub: ${line}`);
  return { child, url };
}

async function stopServer(server: ServerProcess): Promise<void> {
  if (server.child.exitCode !== null) return;
  server.child.kill('SIGTERM');
  await once(server.child, 'exit');
}

/** VmHWM (peak resident set) and VmRSS of a process, in MiB, from /proc. */
async function memoryOf(pid: number): Promise<{ peakMiB: number; currentMiB: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakMiB: kib('VmHWM') / 1024, currentMiB: kib('VmRSS') / 1024 };
}

interface CpuUse {
  user: number;
  system: number;
  /** CPU seconds per thread: "main" (the event loop), the others by name and thread id. */
  byThread: Map<string, number>;
}

/** CPU seconds (user and system, all threads) a process has used so far, from /proc/PID/task/TID/stat. */
async function cpuOf(pid: number): Promise<CpuUse> {
  const ticksPerSecond = 100;
  const use: CpuUse = { user: 0, system: 0, byThread: new Map() };
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
    const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => '');
    if (!stat) continue;
    // Node names few of its threads, so the main thread (tid = pid) is told apart by its id.
    const name =
      tid === String(pid) ? 'main' : `${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}#${tid}`;
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields overall.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const user = Number(fields[11]) / ticksPerSecond;
    const system = Number(fields[12]) / ticksPerSecond;
    use.user += user;
    use.system += system;
    use.byThread.set(name, (use.byThread.get(name) ?? 0) + user + system);
  }
  return use;
}

/** "1.23 s (user 0.70, system 0.53; main 0.9, node#123 0.2, …)": what the server spent between two readings. */
function describeCpu(before: CpuUse, after: CpuUse, mb: number): string {
  const user = after.user - before.user;
  const system = after.system - before.system;
  const threads = [...after.byThread]
    .map(([name, seconds]) => [name, seconds - (before.byThread.get(name) ?? 0)] as const)
    .filter(([, seconds]) => seconds >= 0.01)
    .sort((x, y) => y[1] - x[1])
    .map(([name, seconds]) => `${name} ${seconds.toFixed(2)}`)
    .join(', ');
  return `${(user + system).toFixed(2)} s → ${(mb / (user + system)).toFixed(0)} MB per CPU-second (user ${user.toFixed(2)}, system ${system.toFixed(2)}; ${threads})`;
}

/** Writes `size` bytes of incompressible data without holding more than one 16 MiB block in memory; returns its SHA-256. */
async function generateFile(path: string, size: number): Promise<string> {
  const block = randomBytes(16 * MiB);
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let written = 0, index = 0; written < size; index++) {
    // Every block differs, so no two parts of the file are identical.
    block.writeUInt32LE(index, 0);
    const length = Math.min(block.length, size - written);
    const data = Buffer.from(block.subarray(0, length));
    hash.update(data);
    if (!out.write(data)) await once(out, 'drain');
    written += length;
  }
  out.end();
  await finished(out);
  // Flush now, so the server's own writes are not slowed by writeback of the generated data.
  const handle = await open(path, 'r+');
  await handle.datasync();
  await handle.close();
  return hash.digest('hex');
}

interface Timeline {
  firstBatchAt?: number;
  firstPartAt?: number;
  lastPartDoneAt?: number;
  completedAt?: number;
  parts: number;
}

/** The client accepts a custom fetch; this one only notes when the LFS phases start and end. */
function timingFetch(timeline: Timeline): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const started = performance.now();
    if (url.includes('/info/lfs/objects/batch')) timeline.firstBatchAt ??= started;
    if (url.includes('/_lfs/part/') || url.includes('/_lfs/put/')) {
      timeline.firstPartAt ??= started;
      timeline.parts += 1;
    }
    const response = await fetch(input, init);
    const ended = performance.now();
    if (url.includes('/_lfs/part/') || url.includes('/_lfs/put/')) {
      timeline.lastPartDoneAt = Math.max(timeline.lastPartDoneAt ?? 0, ended);
      if (url.includes('/_lfs/put/')) timeline.completedAt = ended;
    }
    if (url.includes('/_lfs/complete/')) timeline.completedAt = ended;
    return response;
  };
}

interface PlainResult {
  /** From the first body byte sent to the last part (or the PUT) answered. */
  partsSeconds: number;
  /** The multipart completion call, where the server's last SHA-256 work shows; 0 for a basic PUT. */
  completionSeconds: number;
  parts: number;
}

/** PUTs bytes [start, end) of `file` with node:http and resolves with the response's ETag. */
function putRange(agent: Agent, url: string, file: string, start: number, end: number): Promise<string> {
  return new Promise<string>((resolvePut, reject) => {
    const req = request(url, { method: 'PUT', agent, headers: { 'Content-Length': end - start } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        res.statusCode === 200
          ? resolvePut(String(res.headers.etag))
          : reject(new Error(`PUT answered ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8')}`)),
      );
    });
    req.on('error', reject);
    createReadStream(file, { start, end: end - 1, highWaterMark: MiB }).pipe(req);
  });
}

/**
 * Batch, then the parts (5 at a time) and completion, or one basic PUT when the server offers no multipart, all
 * with plain node:http: the fewest CPU cycles a client can spend on the bytes.
 */
async function plainUpload(
  url: string,
  repo: string,
  file: string,
  oid: string,
  size: number,
  expect: 'multipart' | 'basic',
): Promise<PlainResult> {
  const auth = { Authorization: `Bearer ${token}` };
  const batchResponse = await fetch(`${url}/${repo}.git/info/lfs/objects/batch`, {
    method: 'POST',
    headers: {
      ...auth,
      'Content-Type': 'application/vnd.git-lfs+json',
      Accept: 'application/vnd.git-lfs+json',
    },
    body: JSON.stringify({
      operation: 'upload',
      transfers: ['basic', 'multipart'],
      hash_algo: 'sha_256',
      objects: [{ oid, size }],
    }),
  });
  const batch = (await batchResponse.json()) as {
    objects: { actions?: { upload: { href: string; header?: Record<string, string> } } }[];
  };
  const upload = batch.objects[0]?.actions?.upload;
  if (!upload) throw new Error(`The batch offered no upload for ${size} bytes`);
  const agent = new Agent({ keepAlive: true, maxSockets: partsInFlight });
  try {
    if (expect === 'basic') {
      if (upload.header?.chunk_size)
        throw new Error(`Expected a basic PUT for ${size} bytes, the server offered multipart`);
      const started = performance.now();
      await putRange(agent, upload.href, file, 0, size);
      return { partsSeconds: (performance.now() - started) / 1000, completionSeconds: 0, parts: 1 };
    }
    if (!upload.header?.chunk_size) throw new Error(`Expected a multipart upload for ${size} bytes`);
    const chunkSize = Number(upload.header.chunk_size);
    const partUrls = Object.keys(upload.header)
      .filter((key) => /^\d+$/.test(key))
      .map((key) => upload.header![key]!);
    const etags: string[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: partsInFlight }, async () => {
        while (next < partUrls.length) {
          const index = next++;
          etags[index] = await putRange(
            agent,
            partUrls[index]!,
            file,
            index * chunkSize,
            Math.min(size, (index + 1) * chunkSize),
          );
        }
      }),
    );
    const partsDone = performance.now();
    const completion = await fetch(upload.href, {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.git-lfs+json' },
      body: JSON.stringify({ oid, parts: etags.map((etag, index) => ({ partNumber: index + 1, etag })) }),
    });
    const completed = performance.now();
    if (completion.status !== 200)
      throw new Error(`Completion answered ${completion.status}: ${await completion.text()}`);
    return {
      partsSeconds: (partsDone - started) / 1000,
      completionSeconds: (completed - partsDone) / 1000,
      parts: partUrls.length,
    };
  } finally {
    agent.destroy();
  }
}

async function realClientPass(file: string, dataDir: string, sizeMiB: number): Promise<void> {
  const size = sizeMiB * MiB;
  const server = await startServer(dataDir);
  try {
    const pid = server.child.pid!;
    const idle = await memoryOf(pid);
    const repo = `bench/upload-${sizeMiB}mib`;
    await createRepo({ repo, accessToken: token, hubUrl: server.url });
    const timeline: Timeline = { parts: 0 };
    const cpuBefore = await cpuOf(pid);
    const started = performance.now();
    const result = await uploadFiles({
      repo,
      accessToken: token,
      hubUrl: server.url,
      // This bench measures the LFS part ingest; the hub also offers Xet, which the client would pick by default.
      useXet: false,
      files: [{ path: 'model.safetensors', content: pathToFileURL(file) }],
      fetch: timingFetch(timeline),
    });
    const ended = performance.now();
    const memory = await memoryOf(pid);
    const cpuAfter = await cpuOf(pid);
    if (!result?.commit.oid || timeline.firstPartAt === undefined || timeline.completedAt === undefined) {
      throw new Error('Upload finished without going through the LFS upload endpoints');
    }
    const mb = size / 1e6;
    const transferSeconds = (timeline.completedAt - timeline.firstPartAt) / 1000;
    const partsSeconds = ((timeline.lastPartDoneAt ?? timeline.completedAt) - timeline.firstPartAt) / 1000;
    const hashSeconds = ((timeline.firstBatchAt ?? started) - started) / 1000;
    console.log(`  real client (@huggingface/hub uploadFiles, ${timeline.parts} parts):`);
    console.log(
      `    client sha256         ${hashSeconds.toFixed(2)} s (${(mb / hashSeconds).toFixed(0)} MB/s, client side)`,
    );
    console.log(
      `    server took the parts ${partsSeconds.toFixed(2)} s → ${(mb / partsSeconds).toFixed(0)} MB/s`,
    );
    console.log(
      `    parts + completion    ${transferSeconds.toFixed(2)} s → ${(mb / transferSeconds).toFixed(0)} MB/s (incl. SHA-256 check)`,
    );
    console.log(
      `    whole uploadFiles     ${((ended - started) / 1000).toFixed(2)} s → ${(mb / ((ended - started) / 1000)).toFixed(0)} MB/s`,
    );
    console.log(`    server CPU            ${describeCpu(cpuBefore, cpuAfter, mb)}`);
    console.log(
      `    server RSS            idle ${idle.currentMiB.toFixed(0)} MiB, peak ${memory.peakMiB.toFixed(0)} MiB (VmHWM)`,
    );
  } finally {
    await stopServer(server);
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The app's own LFS path: the batch, parts and completion of `uploadLfsObjects` through the retrying fetch. */
async function appClientPass(file: string, dataDir: string, sizeMiB: number, oid: string): Promise<void> {
  const size = sizeMiB * MiB;
  const server = await startServer(dataDir);
  try {
    const pid = server.child.pid!;
    const repo = `bench/app-${sizeMiB}mib`;
    await createRepo({ repo, accessToken: token, hubUrl: server.url });
    let sent = 0;
    const hubFetch = createHubFetch({
      onBodyProgress: (p) => {
        if (p.path === 'model.safetensors') sent += p.delta;
      },
    });
    const cpuBefore = await cpuOf(pid);
    const clientBefore = process.cpuUsage();
    const started = performance.now();
    const result = await uploadLfsObjects({
      endpoint: server.url,
      repo: parseRepoName(repo),
      token,
      objects: [{ path: 'model.safetensors', oid, size, absPath: file }],
      fetch: hubFetch,
      // Classic LFS, as on a Hub without Xet (this bench measures the LFS ingest).
      xet: false,
    });
    const seconds = (performance.now() - started) / 1000;
    const client = process.cpuUsage(clientBefore);
    const cpuAfter = await cpuOf(pid);
    const memory = await memoryOf(pid);
    if (!result.uploaded.has(oid) || sent !== size)
      throw new Error(`The app's upload did not send the object (${sent} of ${size} bytes counted)`);
    const mb = size / 1e6;
    const clientSeconds = (client.user + client.system) / 1e6;
    console.log(`  the app's LFS upload (uploadLfsObjects through createHubFetch):`);
    console.log(`    parts + completion    ${seconds.toFixed(2)} s → ${(mb / seconds).toFixed(0)} MB/s`);
    console.log(
      `    client CPU            ${clientSeconds.toFixed(2)} s → ${(mb / clientSeconds).toFixed(0)} MB per CPU-second (user ${(client.user / 1e6).toFixed(2)}, system ${(client.system / 1e6).toFixed(2)}; this process, all threads)`,
    );
    console.log(`    server CPU            ${describeCpu(cpuBefore, cpuAfter, mb)}`);
    console.log(`    server RSS            peak ${memory.peakMiB.toFixed(0)} MiB (VmHWM)`);
  } finally {
    await stopServer(server);
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function plainClientPass(
  file: string,
  dataDir: string,
  sizeMiB: number,
  oid: string,
  mode: 'multipart' | 'basic',
): Promise<void> {
  const size = sizeMiB * MiB;
  // For the basic pass, a threshold above the size makes the batch answer with one PUT URL.
  const server = await startServer(
    dataDir,
    mode === 'basic' ? ['--multipart-threshold', String(size + 1)] : [],
  );
  try {
    const pid = server.child.pid!;
    const repo = `bench/plain-${mode}-${sizeMiB}mib`;
    await createRepo({ repo, accessToken: token, hubUrl: server.url });
    const cpuBefore = await cpuOf(pid);
    const plain = await plainUpload(server.url, repo, file, oid, size, mode);
    const memory = await memoryOf(pid);
    const cpuAfter = await cpuOf(pid);
    const mb = size / 1e6;
    const total = plain.partsSeconds + plain.completionSeconds;
    const label =
      mode === 'basic' ? 'one basic PUT' : `multipart, ${plain.parts} parts, ${partsInFlight} at a time`;
    console.log(`  plain HTTP client, ${label}:`);
    console.log(
      `    server took the body  ${plain.partsSeconds.toFixed(2)} s → ${(mb / plain.partsSeconds).toFixed(0)} MB/s`,
    );
    console.log(
      `    accepted (SHA-256 ok) ${total.toFixed(2)} s → ${(mb / total).toFixed(0)} MB/s` +
        (mode === 'multipart' ? ` (completion ${plain.completionSeconds.toFixed(2)} s)` : ''),
    );
    console.log(`    server CPU            ${describeCpu(cpuBefore, cpuAfter, mb)}`);
    console.log(`    server RSS            peak ${memory.peakMiB.toFixed(0)} MiB (VmHWM)`);
  } finally {
    await stopServer(server);
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function benchOne(workDir: string, sizeMiB: number, withRealClient: boolean): Promise<void> {
  const file = join(workDir, `weights-${sizeMiB}MiB.safetensors`);
  const dataDir = join(workDir, `data-${sizeMiB}MiB`);
  process.stdout.write(`\n${sizeMiB} MiB: generating data… `);
  const oid = await generateFile(file, sizeMiB * MiB);
  process.stdout.write('done\n');
  try {
    if (withRealClient) await realClientPass(file, dataDir, sizeMiB);
    await appClientPass(file, dataDir, sizeMiB, oid);
    await plainClientPass(file, dataDir, sizeMiB, oid, 'multipart');
    await plainClientPass(file, dataDir, sizeMiB, oid, 'basic');
  } finally {
    await rm(file, { force: true });
  }
}

/** How fast one core hashes right now: the yardstick for the server's figures on a shared, busy machine. */
function sha256Calibration(): number {
  const block = randomBytes(4 * MiB);
  const hash = createHash('sha256');
  const started = performance.now();
  for (let i = 0; i < 64; i++) hash.update(block);
  hash.digest();
  return (64 * block.length) / 1e6 / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const withRealClient = !args.includes('--plain-only');
  const inFlightAt = args.indexOf('--parts-in-flight');
  if (inFlightAt !== -1) {
    partsInFlight = Number(args[inFlightAt + 1]);
    if (!Number.isInteger(partsInFlight) || partsInFlight < 1)
      throw new Error(`--parts-in-flight takes a whole number of parts, got "${args[inFlightAt + 1]}"`);
    args.splice(inFlightAt, 2);
  }
  const sizes = args.filter((arg) => arg !== '--plain-only').map(Number);
  for (const size of sizes)
    if (!Number.isInteger(size) || size <= 0) throw new Error(`Sizes are whole MiB, got "${size}"`);
  const workDir = await mkdtemp(join(tmpdir(), 'local-hub-bench-'));
  const [load1] = (await readFile('/proc/loadavg', 'utf8')).split(' ');
  console.log(
    `local Hub upload benchmark (Node ${process.version}, load average ${load1} on this machine, data in ${workDir})`,
  );
  console.log(`SHA-256 alone on one core right now: ${sha256Calibration().toFixed(0)} MB/s`);
  try {
    for (const sizeMiB of sizes.length > 0 ? sizes : [256, 2048])
      await benchOne(workDir, sizeMiB, withRealClient);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
