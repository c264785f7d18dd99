// Renders the app icon (build/icon.svg's design) as the 1024x1024 8-bit RGBA PNG electron-builder and the
// window use: `node scripts/make-icon.mjs`. Code, so the icon needs no image tools; the output is committed.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const SIZE = 1024;
const SCALE = SIZE / 512; // the SVG's coordinates
const from = [0x63, 0x66, 0xf1];
const to = [0xa8, 0x55, 0xf7];
const STROKE_RADIUS = 17 * SCALE;
const strokes = [
  [256, 350, 256, 150],
  [176, 226, 256, 146],
  [256, 146, 336, 226],
  [150, 380, 362, 380],
].map((s) => s.map((v) => v * SCALE));

function roundedBoxDistance(x, y) {
  const half = 224 * SCALE;
  const radius = 96 * SCALE;
  const qx = Math.abs(x - 256 * SCALE) - half + radius;
  const qy = Math.abs(y - 256 * SCALE) - half + radius;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
}

function segmentDistance(x, y, [ax, ay, bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - ax - t * dx, y - ay - t * dy);
}

/** Anti-aliased coverage of a shape from its signed distance in pixels. */
const coverage = (distance) => Math.max(0, Math.min(1, 0.5 - distance));

const rows = Buffer.alloc((SIZE * 4 + 1) * SIZE);
for (let y = 0; y < SIZE; y++) {
  const row = y * (SIZE * 4 + 1);
  rows[row] = 0; // filter: none
  for (let x = 0; x < SIZE; x++) {
    const cx = x + 0.5;
    const cy = y + 0.5;
    const box = coverage(roundedBoxDistance(cx, cy));
    const line = coverage(Math.min(...strokes.map((s) => segmentDistance(cx, cy, s))) - STROKE_RADIUS);
    const t = (cx + cy) / (2 * SIZE);
    const i = row + 1 + x * 4;
    for (let c = 0; c < 3; c++) {
      const gradient = from[c] + (to[c] - from[c]) * t;
      rows[i + c] = Math.round(gradient + (255 - gradient) * line);
    }
    rows[i + 3] = Math.round(255 * box);
  }
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header[8] = 8; // bit depth
header[9] = 6; // colour type: RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(rows, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('../build/icon.png', import.meta.url), png);
console.log(`build/icon.png: ${SIZE}x${SIZE} RGBA, ${png.length} bytes`);
