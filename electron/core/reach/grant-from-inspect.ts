// An existing container's grant, from the engine's own `GET /containers/{id}/json`: what a container
// that joins it (volumes, PID, IPC or network namespace) or execs into it reaches. The engine is
// trusted, so its JSON is read with JSON.parse; `Mounts` is what the engine actually mounted.
import { z } from 'zod';
import { emptyGrant, namespaceMode, type ContainerGrant } from './container-grant.js';

const strings = z.array(z.string()).nullish();
const stringMap = z.record(z.string(), z.string()).nullish();

/** The parts of a container's inspect answer that say what it can reach. */
export const containerInspectSchema = z.object({
  Id: z.string(),
  Name: z.string().default(''),
  Image: z.string().default(''),
  State: z
    .object({ Running: z.boolean().default(false), Pid: z.number().default(0) })
    .partial()
    .default({}),
  Config: z.object({ Image: z.string().nullish(), Labels: stringMap }).partial().nullish(),
  HostConfig: z
    .object({
      Privileged: z.boolean().nullish(),
      AutoRemove: z.boolean().nullish(),
      CapAdd: strings,
      CapDrop: strings,
      SecurityOpt: strings,
      PidMode: z.string().nullish(),
      IpcMode: z.string().nullish(),
      UTSMode: z.string().nullish(),
      NetworkMode: z.string().nullish(),
      CgroupnsMode: z.string().nullish(),
      UsernsMode: z.string().nullish(),
      Devices: z
        .array(z.object({ PathOnHost: z.string().nullish(), CgroupPermissions: z.string().nullish() }))
        .nullish(),
      DeviceCgroupRules: strings,
      DeviceRequests: z.array(z.unknown()).nullish(),
      Sysctls: stringMap,
      CgroupParent: z.string().nullish(),
      Cgroup: z.string().nullish(),
      Runtime: z.string().nullish(),
      Isolation: z.string().nullish(),
      LogConfig: z.object({ Type: z.string().nullish(), Config: stringMap }).nullish(),
      OomScoreAdj: z.number().nullish(),
      OomKillDisable: z.boolean().nullish(),
      Annotations: stringMap,
      VolumesFrom: strings,
      MaskedPaths: strings,
      ReadonlyPaths: strings,
    })
    .partial()
    .nullish(),
  Mounts: z
    .array(
      z.object({
        Type: z.string().default(''),
        Name: z.string().nullish(),
        Source: z.string().default(''),
        Destination: z.string().default(''),
        Driver: z.string().nullish(),
        RW: z.boolean().nullish(),
        Propagation: z.string().nullish(),
      }),
    )
    .nullish(),
  NetworkSettings: z
    .object({ Networks: z.record(z.string(), z.unknown()).nullish() })
    .partial()
    .nullish(),
  ExecIDs: strings,
});

export type ContainerInspect = z.infer<typeof containerInspectSchema>;

export function grantFromInspect(inspect: ContainerInspect): ContainerGrant {
  const grant = emptyGrant();
  const hc = inspect.HostConfig ?? {};
  grant.image = inspect.Config?.Image ?? inspect.Image;
  for (const [i, m] of (inspect.Mounts ?? []).entries()) {
    const type = m.Type.toLowerCase();
    const field = `Mounts[${i}] (${m.Destination})`;
    const base = {
      field,
      type,
      target: m.Destination,
      readOnly: m.RW === false,
      propagation: m.Propagation ?? '',
      readOnlyNonRecursive: false,
    };
    // A volume's Source is its directory in the data-root: what it really is comes from the volume.
    if (type === 'volume')
      grant.mounts.push({
        ...base,
        source: m.Name ?? '',
        volume: { driver: m.Driver || 'local', subpath: '' },
      });
    else grant.mounts.push({ ...base, source: m.Source });
  }
  // VolumesFrom's mounts are already in Mounts: the engine copied them at create.
  grant.pid = namespaceMode(hc.PidMode ?? '');
  grant.ipc = namespaceMode(hc.IpcMode ?? '');
  grant.uts = namespaceMode(hc.UTSMode ?? '');
  grant.network = namespaceMode(hc.NetworkMode ?? '');
  grant.cgroupns = namespaceMode(hc.CgroupnsMode ?? '');
  grant.userns = namespaceMode(hc.UsernsMode ?? '');
  grant.networks = Object.keys(inspect.NetworkSettings?.Networks ?? {});
  grant.privileged = hc.Privileged ?? false;
  grant.capAdd = hc.CapAdd ?? [];
  grant.capDrop = hc.CapDrop ?? [];
  grant.securityOpt = hc.SecurityOpt ?? [];
  grant.maskedPaths = hc.MaskedPaths ?? null;
  grant.readonlyPaths = hc.ReadonlyPaths ?? null;
  grant.devices = (hc.Devices ?? []).map((d, i) => ({
    field: `HostConfig.Devices[${i}]`,
    pathOnHost: d.PathOnHost ?? '',
    permissions: d.CgroupPermissions ?? '',
  }));
  grant.deviceCgroupRules = hc.DeviceCgroupRules ?? [];
  grant.deviceRequests = hc.DeviceRequests?.length ?? 0;
  grant.sysctls = hc.Sysctls ?? {};
  grant.cgroupParent = hc.CgroupParent ?? '';
  grant.cgroup = hc.Cgroup ?? '';
  grant.runtime = hc.Runtime ?? '';
  grant.isolation = hc.Isolation ?? '';
  grant.logDriver = hc.LogConfig?.Type ?? '';
  grant.logOptions = hc.LogConfig?.Config ?? {};
  grant.oomScoreAdj = hc.OomScoreAdj ?? 0;
  grant.oomKillDisable = hc.OomKillDisable ?? false;
  grant.annotations = hc.Annotations ?? {};
  return grant;
}
