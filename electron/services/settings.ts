/** The app's settings, kept as JSON in its data folder. */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveHubEndpoint } from './endpoint';

export interface StoredSettings {
  /** Chosen by the user; when absent, HF_ENDPOINT or the Hub. */
  hubEndpoint?: string;
}

export class SettingsStore {
  private cached: StoredSettings | null = null;

  constructor(
    private readonly dataDir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async read(): Promise<StoredSettings> {
    if (this.cached) return this.cached;
    try {
      this.cached = JSON.parse(await readFile(this.file(), 'utf8')) as StoredSettings;
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
    if (next.hubEndpoint !== undefined) next.hubEndpoint = resolveHubEndpoint(next.hubEndpoint, {});
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
