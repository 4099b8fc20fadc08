// Saves text as a file through the browser's own download path (in Electron: the save dialog).
import type { HistoryExport } from '../../../shared/ipc-contract.js';

export function download(file: HistoryExport): void {
  const url = URL.createObjectURL(new Blob([file.content], { type: file.mimeType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file.filename;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
