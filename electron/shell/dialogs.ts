/** Native dialogs the renderer cannot answer itself: their options and how to read their results. */

export interface ConfirmRequest {
  title: string;
  message: string;
  detail?: string;
  confirmLabel: string;
}

/** `dialog.showMessageBox` options: Cancel is the default and the Escape answer, so a stray Enter is safe. */
export function confirmDialogOptions(request: ConfirmRequest) {
  return {
    type: 'question' as const,
    title: request.title,
    message: request.message,
    ...(request.detail ? { detail: request.detail } : {}),
    buttons: ['Cancel', request.confirmLabel],
    defaultId: 0,
    cancelId: 0,
    noLink: true,
  };
}

/** `showMessageBox` resolves `{ response }`, the index of the button clicked. */
export function confirmed(result: { response: number }): boolean {
  return result.response === 1;
}

export function folderDialogOptions() {
  return { title: 'Choose a folder of training output', properties: ['openDirectory' as const] };
}

/** A file picker for a Python interpreter: executables have no extension except on Windows. */
export function interpreterDialogOptions(platform: NodeJS.Platform) {
  return {
    title: 'Choose a Python interpreter',
    buttonLabel: 'Use this interpreter',
    properties: ['openFile' as const, 'showHiddenFiles' as const, 'dontAddToRecent' as const],
    ...(platform === 'win32' ? { filters: [{ name: 'Python', extensions: ['exe'] }] } : {}),
  };
}

/** `showOpenDialog` resolves `{ canceled, filePaths }`. */
export function pickedPath(result: { canceled: boolean; filePaths: string[] }): string | null {
  return result.canceled ? null : (result.filePaths[0] ?? null);
}
