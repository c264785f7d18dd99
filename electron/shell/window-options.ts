/** The main window's construction options: locked down, with the app's icon and remembered bounds. */
import { MIN_WINDOW_SIZE, type WindowBounds } from './window-state';

export interface MainWindowOptionsInput {
  bounds: WindowBounds;
  preload: string;
  /** A PNG path; Linux and Windows show it in the task bar (macOS takes the bundle's icon). */
  icon?: string;
}

/** Plain data matching Electron's `BrowserWindowConstructorOptions`. */
export function mainWindowOptions({ bounds, preload, icon }: MainWindowOptionsInput) {
  return {
    ...bounds,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    title: 'Hub Publisher',
    show: false,
    backgroundColor: '#111827',
    ...(icon ? { icon } : {}),
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  };
}
