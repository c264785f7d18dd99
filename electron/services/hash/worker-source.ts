/**
 * The hashing worker, as source text run with `new Worker(code, { eval: true })`: a `.ts` worker file
 * would need the TypeScript loader in every thread (tsx, vitest, the bundled app each do it differently),
 * while plain CommonJS text runs the same everywhere.
 *
 * One pass over the file computes the SHA-256 (the LFS id), the git blob SHA-1 for files small enough to
 * be committed as regular files, and looks for anything shaped like a Hugging Face token.
 *
 * Reads are synchronous while the file comes from memory (the page cache: a checkpoint just written by
 * training): handing each 1 MiB block to libuv's thread pool cost a fifth of the time (1 GiB in two workers:
 * 0.46 vs 0.37 s per 512 MiB file on the 2-core machines). As soon as one read takes longer than `slowReadMs`
 * (a disk), the rest of the file is read double-buffered through libuv, the next block while this one is
 * hashed, so the disk and the CPU overlap. Between synchronous reads the thread yields every few MiB, so a
 * cancel is heard. The file is opened non-blocking and must be a regular file: a FIFO swapped in for it is
 * refused instead of holding the thread.
 */
export const HASH_WORKER_SOURCE = String.raw`
const { parentPort } = require('node:worker_threads');
const { open } = require('node:fs/promises');
const { readSync } = require('node:fs');
const { createHash } = require('node:crypto');

const YIELD_EVERY_BYTES = 16 * 1024 * 1024;

const HF = Buffer.from('hf_');
// OAuth and app tokens: hf_oauth_<30+> and hf_app_<30+>, as shared/redact.ts HF_TOKEN_PATTERN has them.
const PREFIXES = [Buffer.from('oauth_'), Buffer.from('app_')];
const MIN_TAIL = 30;
const WINDOW = 64;
const cancelled = new Set();

function isAlnum(c) {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

// Offsets (relative to buf) of hf_ followed by at least 30 letters/digits, whose tail fits in buf[0, len).
function findTokens(buf, len, from) {
  const hits = [];
  let i = buf.indexOf(HF, from);
  while (i !== -1 && i < len) {
    let n = 0;
    let j = i + 3;
    for (const p of PREFIXES) {
      if (j + p.length <= len && buf.subarray(j, j + p.length).equals(p)) { j += p.length; break; }
    }
    while (j < len && n < MIN_TAIL && isAlnum(buf[j])) { n++; j++; }
    if (n >= MIN_TAIL) hits.push(i);
    i = buf.indexOf(HF, i + 1);
  }
  return hits;
}

async function hashFile(msg) {
  const { id, path, openFlags, blockSize, slowReadMs, gitOidMaxBytes, progressEvery } = msg;
  const fh = await open(path, openFlags);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw Object.assign(new Error('not a regular file (a named pipe, device or socket)'), { code: 'EINVAL' });
    const statAtMs = Date.now();
    const size = st.size;
    const sha256 = createHash('sha256');
    const sha1 = size <= gitOidMaxBytes ? createHash('sha1') : null;
    if (sha1) sha1.update('blob ' + size + '\0');
    // Blocks no larger than the file (+1, so the read that finds its end needs no second block): a fresh
    // pair of 1 MiB blocks for each of thousands of small files is mostly garbage to collect.
    const block = Math.min(blockSize, size + 1);
    const bufs = [Buffer.allocUnsafe(block), Buffer.allocUnsafe(block)];
    let carry = Buffer.alloc(0);
    let secretAt = -1;
    let pos = 0;
    let sinceReport = 0;
    let which = 0;
    let slow = false;
    // Once reads are slow: the read of the next block, on its way through libuv.
    let pending = null;
    let yieldedAt = 0;
    for (;;) {
      let bytesRead;
      if (pending) {
        ({ bytesRead } = await pending);
      } else {
        const started = performance.now();
        bytesRead = readSync(fh.fd, bufs[which], 0, block, pos);
        slow = performance.now() - started > slowReadMs;
        if (pos - yieldedAt >= YIELD_EVERY_BYTES) {
          await new Promise((resolve) => setImmediate(resolve));
          yieldedAt = pos;
        }
      }
      if (cancelled.has(id)) { cancelled.delete(id); throw Object.assign(new Error('Cancelled'), { name: 'AbortError' }); }
      if (bytesRead === 0) break;
      const buf = bufs[which];
      which ^= 1;
      // Start reading the next block before hashing this one.
      pending = slow ? fh.read(bufs[which], 0, block, pos + bytesRead) : null;
      const chunk = bytesRead === block ? buf : buf.subarray(0, bytesRead);
      sha256.update(chunk);
      if (sha1) sha1.update(chunk);
      if (secretAt < 0) {
        if (carry.length) {
          const head = chunk.subarray(0, Math.min(WINDOW, chunk.length));
          const win = Buffer.concat([carry, head]);
          const hits = findTokens(win, win.length, 0).filter((h) => h < carry.length);
          if (hits.length) secretAt = pos - carry.length + hits[0];
        }
        if (secretAt < 0) {
          const hits = findTokens(chunk, chunk.length, 0);
          if (hits.length) secretAt = pos + hits[0];
        }
        carry = Buffer.from(chunk.subarray(Math.max(0, chunk.length - WINDOW)));
      }
      pos += bytesRead;
      sinceReport += bytesRead;
      if (sinceReport >= progressEvery) {
        parentPort.postMessage({ id, type: 'progress', done: pos, total: size });
        sinceReport = 0;
      }
    }
    // A token at the very end of the file: the carry window holds it with nothing after.
    if (secretAt < 0 && carry.length) {
      const hits = findTokens(carry, carry.length, 0);
      if (hits.length) secretAt = pos - carry.length + hits[0];
    }
    parentPort.postMessage({
      id, type: 'done', size: pos, mtimeMs: st.mtimeMs, ino: st.ino, ctimeMs: st.ctimeMs, statAtMs,
      sha256: sha256.digest('hex'), gitOid: sha1 ? sha1.digest('hex') : null,
      secretAt,
    });
  } finally {
    cancelled.delete(id);
    await fh.close();
  }
}

parentPort.on('message', (msg) => {
  if (msg.type === 'cancel') { cancelled.add(msg.id); return; }
  hashFile(msg).catch((err) => {
    parentPort.postMessage({ id: msg.id, type: 'error', name: err && err.name, code: err && err.code, message: String(err && err.message || err) });
  });
});
`;
