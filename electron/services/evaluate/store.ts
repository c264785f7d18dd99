/**
 * Small JSON files in the app's data folder (never the workspace): written to a temporary file and renamed,
 * so a crash mid-write never leaves half a file, and writes to one file are queued so none is lost.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

const queues = new Map<string, Promise<unknown>>();

export async function readJsonFile<T>(file: string, fallback: T): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    // Missing or damaged: a cache starts over, which only costs a re-run.
    return fallback;
  }
}

export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, JSON.stringify(value));
  await rename(tmp, file);
}

/** Runs read-modify-write updates of one file one after another. */
export function updateJsonFile<T>(file: string, fallback: T, update: (value: T) => T | void): Promise<T> {
  const previous = queues.get(file) ?? Promise.resolve();
  const next = previous
    .catch(() => undefined)
    .then(async () => {
      const current = await readJsonFile<T>(file, fallback);
      const updated = (update(current) ?? current) as T;
      await writeJsonFile(file, updated);
      return updated;
    });
  queues.set(file, next);
  void next
    .finally(() => {
      if (queues.get(file) === next) queues.delete(file);
    })
    .catch(() => undefined);
  return next;
}
