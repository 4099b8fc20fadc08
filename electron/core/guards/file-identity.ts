// What a host path is to the kernel: the file it leads to (device and inode), whatever its spelling.
// Shared by the path resolver (policy/host-path.ts) and the guards that compare against it.

export interface FileIdentity {
  dev: number;
  ino: number;
}

export function sameFile(a: FileIdentity | undefined, b: FileIdentity | undefined): boolean {
  return a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;
}

/** A host path as the kernel would reach it: where it leads, and what file is there. */
export interface ResolvedHostPath {
  /** As written in the request. */
  spelled: string;
  /** Where a mount of it lands: cleaned, every symlink followed (missing components as spelled). */
  real: string;
  /** stat() of the path, when it exists: the kernel's own answer, magic links included. */
  identity?: FileIdentity;
  /** Identities of every existing directory from `real` up to `/`, nearest first. */
  ancestors?: FileIdentity[];
  isDirectory?: boolean;
  isSocket?: boolean;
  isBlockDevice?: boolean;
}
