/**
 * The main window's size and position between runs, kept in the app's data folder. Saved bounds are used
 * only when they still fall on a connected display (a monitor unplugged since would open it off-screen),
 * and writing the state can never throw out of the window's `close` handler.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: WindowBounds;
  maximized: boolean;
}

/** What `screen.getAllDisplays()` gives that matters here. */
export interface DisplayArea {
  workArea: Rectangle;
}

export const DEFAULT_WINDOW_STATE: WindowState = { bounds: { width: 1280, height: 860 }, maximized: false };
export const MIN_WINDOW_SIZE = { width: 900, height: 600 } as const;
const STATE_FILE = 'window-state.json';
/** How much of the title bar must be on a display for the saved position to count as reachable. */
const VISIBLE_MARGIN = 48;

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** The saved state, or the default when missing, unreadable or implausible. */
export function loadWindowState(dataDir: string): WindowState {
  try {
    const saved = JSON.parse(
      readFileSync(path.join(dataDir, STATE_FILE), 'utf8'),
    ) as Partial<WindowState> | null;
    const bounds = saved?.bounds;
    if (
      bounds &&
      isFiniteNumber(bounds.width) &&
      isFiniteNumber(bounds.height) &&
      bounds.width >= 640 &&
      bounds.height >= 480
    ) {
      const position =
        isFiniteNumber(bounds.x) && isFiniteNumber(bounds.y) ? { x: bounds.x, y: bounds.y } : {};
      return {
        bounds: { ...position, width: bounds.width, height: bounds.height },
        maximized: saved.maximized === true,
      };
    }
  } catch {
    // First run or unreadable state: start with the default size.
  }
  return DEFAULT_WINDOW_STATE;
}

/**
 * The bounds to open with: the saved position only when its top edge overlaps a connected display's work
 * area by at least `VISIBLE_MARGIN` pixels each way; otherwise the saved size, centred by Electron.
 */
export function boundsOnDisplays(bounds: WindowBounds, displays: readonly DisplayArea[]): WindowBounds {
  const size = { width: bounds.width, height: bounds.height };
  if (!isFiniteNumber(bounds.x) || !isFiniteNumber(bounds.y)) return size;
  const { x, y, width } = bounds;
  const reachable = displays.some(({ workArea: area }) => {
    const overlapX = Math.min(x + width, area.x + area.width) - Math.max(x, area.x);
    const titleBarInside = y >= area.y && y <= area.y + area.height - VISIBLE_MARGIN;
    return overlapX >= VISIBLE_MARGIN && titleBarInside;
  });
  return reachable ? { x, y, ...size } : size;
}

/**
 * Writes the state through a temporary file and a rename, so a crash never leaves half a file. Returns
 * the error instead of throwing: a full disk must not stop the window from closing.
 */
export function saveWindowState(dataDir: string, state: WindowState): Error | null {
  try {
    mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, STATE_FILE);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(state));
    renameSync(temporary, file);
    return null;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}
