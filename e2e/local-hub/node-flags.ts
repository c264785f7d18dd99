/**
 * Node flags for a local Hub in a process of its own (`npm run local-hub`, the benchmarks).
 *
 * With V8's defaults for a heap as small as this server's (~10 MB old space, its limit 20-36 MB), a 1 GiB upload
 * ran 40-60 full (mark-compact) collections, though almost nothing was promoted to the old space: each body piece
 * Node's HTTP parser hands over is a fresh ~64 KiB buffer, external memory that V8 weighs against those limits.
 * Starting the old-space limit at 64 MB leaves ~5, and on the 2-core build machine the server spends ~30% less
 * CPU per byte (its GC helper threads ~0.6 CPU-s less per GiB): plain-client multipart ingest 246-341 -> 392-482
 * MB/s for 1 GiB in alternating runs, peak RSS unchanged (136-151 MiB). Heap limits are fixed when the process
 * starts (`v8.setFlagsFromString` later changes nothing), so this is a command-line flag, repeated in the
 * `local-hub` script of package.json.
 */
export const localHubNodeFlags = ['--initial-old-space-size=64'];
