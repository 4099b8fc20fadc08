// The two Electron IPC channels the contract travels on; shared by ipc-main.ts and preload.ts.
export const callChannel = 'socket-warden:call';
export const eventChannel = 'socket-warden:event';
