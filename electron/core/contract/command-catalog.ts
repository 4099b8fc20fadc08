// What the pane offers for completion in the command list, and what it refuses up front. Pure.
import {
  knownCommandNames,
  unsupportedCommandNames,
  validateCommandName,
  wildcardGroups,
} from '../../../shared/command-map.js';
import type { CommandCatalog } from '../../../shared/ipc-contract.js';

export function commandCatalog(): CommandCatalog {
  const wildcards = wildcardGroups.map((group) => `${group}*`);
  return {
    commands: knownCommandNames.filter((name) => !wildcards.includes(name)),
    wildcards,
    unsupported: unsupportedCommandNames.map((name) => {
      const verdict = validateCommandName(name);
      return { name, reason: verdict.ok ? '' : verdict.error };
    }),
  };
}
