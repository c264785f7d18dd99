/**
 * The last scan of each open workspace, so evaluation, the model card and publishing reuse what the user
 * just saw instead of walking the folder again. A new `workspace:scan` replaces it.
 */
import type { JobProgress, ScanResult } from '../../../shared/types';
import { scanWorkspace } from './index';

export class ScanCache {
  private readonly scans = new Map<string, Promise<ScanResult>>();

  /** Scans afresh and remembers the result. */
  rescan(
    root: string,
    options: { signal?: AbortSignal; onProgress?: (p: JobProgress) => void } = {},
  ): Promise<ScanResult> {
    const scan = scanWorkspace(root, options);
    this.scans.set(root, scan);
    scan.catch(() => this.scans.delete(root));
    return scan;
  }

  /** The remembered scan, or a new one when the workspace was never scanned. */
  get(root: string, signal?: AbortSignal): Promise<ScanResult> {
    return this.scans.get(root) ?? this.rescan(root, { signal });
  }
}
