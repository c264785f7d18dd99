/**
 * What the renderer may name: only workspaces the user opened (the native folder dialog, a folder dropped
 * on the window, or the recent list this process keeps itself) and only interpreters this process
 * discovered or the user chose in the native file dialog. A request naming anything else, `/`, the home
 * folder, `/proc/self`, `/bin/sh` as "python", is refused, whatever the renderer's reasons.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../shared/result';
import { readJsonFile, writeJsonFile } from '../../services/evaluate/store';

const RECENT_FILE = 'recent-workspaces.json';
const MAX_RECENT = 20;

function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export class WorkspaceAccess {
  readonly #opened = new Set<string>();
  readonly #interpreters = new Set<string>();
  #recent: Promise<string[]> | null = null;

  constructor(private readonly dataDir: string) {}

  /** Records a folder the user opened (dialog or drop); answers its path as given. */
  async grant(root: string): Promise<string> {
    const info = await stat(root).catch(() => null);
    if (!info) throw new AppError('NOT_FOUND', `${root} does not exist.`);
    if (!info.isDirectory()) {
      throw new AppError(
        'NOT_A_DIRECTORY',
        `${root} is a file, not a folder. Open the folder your training wrote.`,
      );
    }
    const real = await realpath(root);
    this.#opened.add(real);
    const recent = [real, ...(await this.recent()).filter((r) => r !== real)].slice(0, MAX_RECENT);
    this.#recent = Promise.resolve(recent);
    await writeJsonFile(path.join(this.dataDir, RECENT_FILE), { version: 1, roots: recent });
    return root;
  }

  /** Folders opened before, most recent first (kept by this process, never by the renderer). */
  recent(): Promise<string[]> {
    this.#recent ??= readJsonFile<{ roots?: unknown }>(path.join(this.dataDir, RECENT_FILE), {}).then(
      (data) =>
        Array.isArray(data.roots)
          ? data.roots.filter((r): r is string => typeof r === 'string').slice(0, MAX_RECENT)
          : [],
    );
    return this.#recent;
  }

  /** Throws NOT_ALLOWED unless `root` is (inside) a workspace the user opened. */
  async requireWorkspace(root: string): Promise<void> {
    const real = await realpath(root).catch(() => null);
    if (real) {
      for (const opened of this.#opened) if (isInside(opened, real)) return;
      for (const opened of await this.recent()) if (isInside(opened, real)) return;
    }
    throw new AppError(
      'NOT_ALLOWED',
      `${root} was not opened in Hub Publisher. Open it with "Choose folder…" or drop it on the window first.`,
    );
  }

  /** An interpreter this process found, or the user picked in the native dialog. */
  allowInterpreter(executable: string): void {
    this.#interpreters.add(executable);
  }

  requireInterpreter(executable: string): void {
    if (this.#interpreters.has(executable)) return;
    throw new AppError(
      'NOT_ALLOWED',
      `${executable} is not an interpreter Hub Publisher found or you chose. Pick one from the list, or choose one with "Choose interpreter…".`,
    );
  }
}
