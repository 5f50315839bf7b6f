/**
 * Static registry of every built-in plugin type: one import line per plugin, grouped by kind.
 * No directory scanning, so the set of plugins is visible (and greppable) here.
 */
import type { PluginDefinition } from '../plugin-api/index.js';

const definitions: PluginDefinition[] = [
  // inputs
  // splitters
  // decoders
  // encoders
  // filters
  // outputs
];

export const registry: ReadonlyMap<string, PluginDefinition> = new Map(definitions.map((d) => [d.type, d]));
