// What `socket-warden system install` changed on the host, kept in /var/lib/socket-warden so that
// `system uninstall` puts Docker back exactly as it was: every file written, with what was at that path
// before (or that nothing was), the directories it made and the units it enabled.
import { z } from 'zod';

/** A file as it was before install wrote over it. */
export const fileSnapshotSchema = z.strictObject({
  contentBase64: z.string(),
  mode: z.number().int().min(0).max(0o7777),
  uid: z.number().int().min(0),
  gid: z.number().int().min(0),
});
export type FileSnapshot = z.infer<typeof fileSnapshotSchema>;

const absolutePath = z.string().regex(/^\/[^\0]*$/, 'expected an absolute path');

export const installedFileSchema = z.strictObject({
  path: absolutePath,
  /** null: nothing was there, uninstall removes the file. */
  before: fileSnapshotSchema.nullable(),
  /** What install wrote: a file someone changed since is not removed (the admin's policy, say). */
  writtenSha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type InstalledFile = z.infer<typeof installedFileSchema>;

export const systemInstallStateSchema = z.strictObject({
  version: z.literal(1),
  installedAt: z.string(),
  socketWardenVersion: z.string(),
  files: z.array(installedFileSchema),
  /** Directories install created, removed again by uninstall when empty. */
  createdDirs: z.array(absolutePath),
  /** Units install enabled that were not enabled before. */
  enabledUnits: z.array(z.string().min(1)),
});
export type SystemInstallState = z.infer<typeof systemInstallStateSchema>;
