/** The app's settings, kept as JSON in its data folder. */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { AppError } from '../../shared/result';
import { readBoundedText } from './safe-read';
import path from 'node:path';
import { resolveHubEndpoint } from './endpoint';

export interface StoredSettings {
  /** Chosen by the user; when absent, HF_ENDPOINT or the Hub. */
  hubEndpoint?: string;
  /**
   * The endpoint the stored token (keychain or session) was checked against: it is only ever sent there.
   * null once the token is forgotten.
   */
  tokenEndpoint?: string | null;
}

const MAX_SETTINGS_BYTES = 1024 * 1024;

export class SettingsStore {
  private cached: StoredSettings | null = null;

  constructor(
    private readonly dataDir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async read(): Promise<StoredSettings> {
    if (this.cached) return this.cached;
    try {
      const text = await readBoundedText(this.file(), { maxBytes: MAX_SETTINGS_BYTES });
      const parsed: unknown = text === null ? {} : JSON.parse(text);
      this.cached =
        parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as StoredSettings) : {};
    } catch {
      this.cached = {};
    }
    return this.cached;
  }

  /** The endpoint every Hub call uses now. */
  async hubEndpoint(): Promise<string> {
    return resolveHubEndpoint((await this.read()).hubEndpoint, this.env);
  }

  async update(patch: StoredSettings): Promise<StoredSettings> {
    const next = { ...(await this.read()), ...patch };
    if (next.hubEndpoint !== undefined) {
      try {
        next.hubEndpoint = resolveHubEndpoint(next.hubEndpoint, {});
      } catch (err) {
        throw new AppError('INVALID_ARGUMENT', (err as Error).message);
      }
    }
    await mkdir(this.dataDir, { recursive: true });
    // Written to a temporary file first so a crash never leaves half a settings file.
    const tmp = `${this.file()}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(next, null, 2));
    await rename(tmp, this.file());
    this.cached = next;
    return next;
  }

  private file(): string {
    return path.join(this.dataDir, 'settings.json');
  }
}
