/** Remembers the main window's size and position between runs, in the app's data folder. */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Rectangle } from 'electron';

export interface WindowState {
  bounds: Partial<Rectangle> & { width: number; height: number };
  maximized: boolean;
}

const DEFAULT_STATE: WindowState = { bounds: { width: 1280, height: 860 }, maximized: false };

export function loadWindowState(dataDir: string): WindowState {
  try {
    const saved = JSON.parse(readFileSync(path.join(dataDir, 'window-state.json'), 'utf8')) as WindowState;
    if (saved.bounds.width >= 640 && saved.bounds.height >= 480) return saved;
  } catch {
    // First run or unreadable state: start with the default size.
  }
  return DEFAULT_STATE;
}

export function saveWindowState(dataDir: string, state: WindowState): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path.join(dataDir, 'window-state.json'), JSON.stringify(state));
}
