// `POST /containers/{id}/exec` as the engine decodes it (types.ExecConfig, Go's encoding/json): the
// one field that grants anything beyond the target container's own powers is `Privileged` (every
// capability, daemon/exec_linux.go). Forwarded canonically, so the engine acts on what was judged.
import type { Decoded } from '../policy/container-create.js';
import { decodeGo, encodeGo, goTypes as t, parseJson, writeJson, type GoField } from '../policy/go-json.js';

const opaque = (...names: string[]): GoField[] => names.map((name) => ({ name, type: t.opaque }));

const execConfigType = t.struct([
  ...opaque('User'),
  { name: 'Privileged', type: t.bool },
  ...opaque('Tty', 'ConsoleSize', 'AttachStdin', 'AttachStderr', 'AttachStdout', 'Detach', 'DetachKeys'),
  ...opaque('Env', 'WorkingDir', 'Cmd'),
]);

export interface ExecRequest {
  privileged: boolean;
  serialize(): Buffer;
}

export function decodeExecRequest(body: Buffer): Decoded<ExecRequest> {
  const json = parseJson(body);
  if (!json.ok) return json;
  if (json.value.type !== 'object') return { ok: false, message: 'exec config must be a JSON object' };
  const decoded = decodeGo(json.value, execConfigType);
  if (!decoded.ok) return decoded;
  const value = decoded.value;
  const privileged = value.kind === 'struct' ? value.fields.get('Privileged') : undefined;
  return {
    ok: true,
    value: {
      privileged: privileged?.kind === 'bool' && privileged.value,
      serialize: () => Buffer.from(writeJson(encodeGo(value, execConfigType)), 'utf8'),
    },
  };
}
