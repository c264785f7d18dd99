/**
 * Uploads large files through the real @huggingface/hub client into the local Hub and prints how fast the server
 * takes LFS parts and how much memory it needs. The server runs as a child process (the same command line as
 * `npm run local-hub`), started fresh for every size, so its peak RSS (VmHWM) is its own and per size.
 *
 * Two passes per size, each against a fresh server:
 *  1. the real client (`uploadFiles` streaming the file from disk): what a publish sees;
 *  2. a lean HTTP client (node:http piping the file, 5 parts at a time, like the real client): how fast the
 *     server itself takes parts when the client's own costs (web streams inside fetch) are taken away.
 *
 *   npx tsx bench/local-hub-upload.ts            # 256 MiB and 2 GiB
 *   npx tsx bench/local-hub-upload.ts 64 1024    # sizes in MiB
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { request } from 'node:http';
import { Agent } from 'node:http';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRepo, pathsInfo, uploadFiles } from '@huggingface/hub';

const MiB = 1024 * 1024;
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const token = 'hf_bench_upload_token';

interface ServerProcess {
  child: ChildProcess;
  url: string;
}

async function startServer(dataDir: string): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(projectRoot, 'e2e/local-hub/cli.ts'), '--port', '0', '--data-dir', dataDir, '--user', `bench:${token}:write`],
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

/** CPU seconds (user + system, all threads) a process has used so far, from /proc/PID/stat. */
async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields overall.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100;
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** Writes `size` bytes of incompressible data without holding more than one 16 MiB block in memory. */
async function generateFile(path: string, size: number): Promise<void> {
  const block = randomBytes(16 * MiB);
  const out = createWriteStream(path);
  for (let written = 0, index = 0; written < size; index++) {
    // Every block differs, so no two parts of the file are identical.
    block.writeUInt32LE(index, 0);
    const length = Math.min(block.length, size - written);
    if (!out.write(Buffer.from(block.subarray(0, length)))) await once(out, 'drain');
    written += length;
  }
  out.end();
  await finished(out);
  // Flush now, so the server's own writes are not slowed by writeback of the generated data.
  const handle = await open(path, 'r+');
  await handle.datasync();
  await handle.close();
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

interface LeanResult {
  partsSeconds: number;
  completionSeconds: number;
  parts: number;
}

/** Batch, parts and completion with plain node:http: the fewest CPU cycles a client can spend on the bytes. */
async function leanUpload(url: string, repo: string, file: string, oid: string, size: number): Promise<LeanResult> {
  const auth = { Authorization: `Bearer ${token}` };
  const batchResponse = await fetch(`${url}/${repo}.git/info/lfs/objects/batch`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/vnd.git-lfs+json', Accept: 'application/vnd.git-lfs+json' },
    body: JSON.stringify({ operation: 'upload', transfers: ['basic', 'multipart'], hash_algo: 'sha_256', objects: [{ oid, size }] }),
  });
  const batch = (await batchResponse.json()) as { objects: { actions?: { upload: { href: string; header?: Record<string, string> } } }[] };
  const upload = batch.objects[0]?.actions?.upload;
  if (!upload?.header?.chunk_size) throw new Error(`Expected a multipart upload for ${size} bytes`);
  const chunkSize = Number(upload.header.chunk_size);
  const partUrls = Object.keys(upload.header)
    .filter((key) => /^\d+$/.test(key))
    .map((key) => upload.header![key]!);
  const agent = new Agent({ keepAlive: true, maxSockets: 5 });
  const putPart = (partUrl: string, start: number, end: number) =>
    new Promise<string>((resolvePart, reject) => {
      const req = request(partUrl, { method: 'PUT', agent, headers: { 'Content-Length': end - start } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolvePart(String(res.headers.etag)) : reject(new Error(`part answered ${res.statusCode}`))));
      });
      req.on('error', reject);
      createReadStream(file, { start, end: end - 1, highWaterMark: MiB }).pipe(req);
    });
  const etags: string[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 5 }, async () => {
      while (next < partUrls.length) {
        const index = next++;
        etags[index] = await putPart(partUrls[index]!, index * chunkSize, Math.min(size, (index + 1) * chunkSize));
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
  agent.destroy();
  if (completion.status !== 200) throw new Error(`Completion answered ${completion.status}: ${await completion.text()}`);
  return { partsSeconds: (partsDone - started) / 1000, completionSeconds: (completed - partsDone) / 1000, parts: partUrls.length };
}

async function benchOne(workDir: string, sizeMiB: number): Promise<void> {
  const size = sizeMiB * MiB;
  const file = join(workDir, `weights-${sizeMiB}MiB.safetensors`);
  const dataDir = join(workDir, `data-${sizeMiB}MiB`);
  process.stdout.write(`\n${sizeMiB} MiB: generating data… `);
  await generateFile(file, size);
  process.stdout.write('done\n');
  const server = await startServer(dataDir);
  let oid: string | undefined;
  try {
    const pid = server.child.pid!;
    const idle = await memoryOf(pid);
    const repo = `bench/upload-${sizeMiB}mib`;
    await createRepo({ repo, accessToken: token, hubUrl: server.url });
    const timeline: Timeline = { parts: 0 };
    const cpuBefore = await cpuSecondsOf(pid);
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
    const cpuSeconds = (await cpuSecondsOf(pid)) - cpuBefore;
    if (!result?.commit.oid || timeline.firstPartAt === undefined || timeline.completedAt === undefined) {
      throw new Error('Upload finished without going through the LFS upload endpoints');
    }
    const mb = size / 1e6;
    const transferSeconds = (timeline.completedAt - timeline.firstPartAt) / 1000;
    const partsSeconds = ((timeline.lastPartDoneAt ?? timeline.completedAt) - timeline.firstPartAt) / 1000;
    const hashSeconds = ((timeline.firstBatchAt ?? started) - started) / 1000;
    console.log(`  parts uploaded          ${timeline.parts}`);
    console.log(`  client sha256           ${hashSeconds.toFixed(2)} s (${(mb / hashSeconds).toFixed(0)} MB/s, client side)`);
    console.log(`  server took the parts   ${partsSeconds.toFixed(2)} s → ${(mb / partsSeconds).toFixed(0)} MB/s`);
    console.log(`  parts + completion      ${transferSeconds.toFixed(2)} s → ${(mb / transferSeconds).toFixed(0)} MB/s (server throughput incl. SHA-256 check)`);
    console.log(`  whole uploadFiles       ${((ended - started) / 1000).toFixed(2)} s → ${(mb / ((ended - started) / 1000)).toFixed(0)} MB/s`);
    console.log(`  server CPU              ${cpuSeconds.toFixed(2)} s → ${(mb / cpuSeconds).toFixed(0)} MB per CPU-second (all threads, load-independent)`);
    console.log(`  server RSS              idle ${idle.currentMiB.toFixed(0)} MiB, peak ${memory.peakMiB.toFixed(0)} MiB (VmHWM)`);
    const [stored] = await pathsInfo({ repo, paths: ['model.safetensors'], accessToken: token, hubUrl: server.url });
    oid = stored?.lfs?.oid;
  } finally {
    await stopServer(server);
    await rm(dataDir, { recursive: true, force: true });
  }
  if (!oid) throw new Error('The uploaded file has no LFS oid');
  const leanServer = await startServer(dataDir);
  try {
    const repo = `bench/lean-${sizeMiB}mib`;
    await createRepo({ repo, accessToken: token, hubUrl: leanServer.url });
    const cpuBefore = await cpuSecondsOf(leanServer.child.pid!);
    const lean = await leanUpload(leanServer.url, repo, file, oid, size);
    const memory = await memoryOf(leanServer.child.pid!);
    const cpuSeconds = (await cpuSecondsOf(leanServer.child.pid!)) - cpuBefore;
    const mb = size / 1e6;
    console.log(`  lean HTTP client (server capacity):`);
    console.log(`    server took the parts ${lean.partsSeconds.toFixed(2)} s → ${(mb / lean.partsSeconds).toFixed(0)} MB/s (${lean.parts} parts)`);
    console.log(
      `    parts + completion    ${(lean.partsSeconds + lean.completionSeconds).toFixed(2)} s → ${(mb / (lean.partsSeconds + lean.completionSeconds)).toFixed(0)} MB/s (completion ${lean.completionSeconds.toFixed(2)} s)`,
    );
    console.log(`    server CPU            ${cpuSeconds.toFixed(2)} s → ${(mb / cpuSeconds).toFixed(0)} MB per CPU-second`);
    console.log(`    server RSS            peak ${memory.peakMiB.toFixed(0)} MiB (VmHWM)`);
  } finally {
    await stopServer(leanServer);
    await rm(file, { force: true });
    await rm(dataDir, { recursive: true, force: true });
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
  const sizes = process.argv.slice(2).map(Number);
  for (const size of sizes) if (!Number.isInteger(size) || size <= 0) throw new Error(`Sizes are whole MiB, got "${size}"`);
  const workDir = await mkdtemp(join(tmpdir(), 'local-hub-bench-'));
  const [load1] = (await readFile('/proc/loadavg', 'utf8')).split(' ');
  console.log(`local Hub upload benchmark (Node ${process.version}, load average ${load1} on this machine, data in ${workDir})`);
  console.log(`SHA-256 alone on one core right now: ${sha256Calibration().toFixed(0)} MB/s`);
  try {
    for (const sizeMiB of sizes.length > 0 ? sizes : [256, 2048]) await benchOne(workDir, sizeMiB);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
