/**
 * The only bridge between the renderer and the main process: a typed `window.api` of named functions
 * built from the IPC contract. `ipcRenderer` itself is never exposed.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { buildApi, EVENT_CHANNELS, type EventChannel } from '../shared/ipc/contract';

const api = buildApi({
  invoke: (channel, args) => ipcRenderer.invoke(channel, args),
  on(event: EventChannel, listener) {
    if (!EVENT_CHANNELS.includes(event)) throw new Error(`Unknown event ${event}`);
    const wrapped = (_e: unknown, payload: unknown) => listener(payload);
    ipcRenderer.on(event, wrapped);
    return () => ipcRenderer.removeListener(event, wrapped);
  },
  pathFor: (file) => webUtils.getPathForFile(file as File),
});

contextBridge.exposeInMainWorld('api', api);
