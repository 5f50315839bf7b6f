/**
 * The README's per-plugin configuration reference, generated from the option schemas (the single
 * source of truth, STYLE.md §2.4) and each plugin folder's README summary.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatGoDuration } from '../config/index.js';
import type { OptionSpec, PluginDefinition } from '../plugin-api/index.js';

export const BEGIN = '<!-- BEGIN GENERATED PLUGIN REFERENCE (npm run docs) -->';
export const END = '<!-- END GENERATED PLUGIN REFERENCE -->';

const KIND_TITLES: Array<[PluginDefinition['kind'], string]> = [
  ['input', 'Inputs'],
  ['splitter', 'Splitters'],
  ['decoder', 'Decoders'],
  ['filter', 'Filters'],
  ['encoder', 'Encoders'],
  ['output', 'Outputs'],
];

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function defaultText(spec: OptionSpec): string {
  if (spec.required) return 'required';
  if (spec.default === undefined) return '';
  if (spec.type === 'duration' && typeof spec.default === 'number') return '`"' + formatGoDuration(spec.default) + '"`';
  return '`' + JSON.stringify(spec.default) + '`';
}

/** Folder of a plugin type below src/plugins, found from the registry's import paths. */
export function pluginFolder(repoRoot: string, def: PluginDefinition): string | null {
  const index = readFileSync(join(repoRoot, 'src/plugins/index.ts'), 'utf8');
  const m = new RegExp(`import ${def.type} from '\\./([^']+)/index\\.js'`).exec(index);
  return m ? join('src/plugins', m[1]!) : null;
}

export function renderPluginReference(repoRoot: string, defs: Iterable<PluginDefinition>): string {
  const all = [...defs];
  const out: string[] = [BEGIN, ''];
  for (const [kind, title] of KIND_TITLES) {
    const list = all.filter((d) => d.kind === kind).sort((a, b) => (a.type < b.type ? -1 : 1));
    if (list.length === 0) continue;
    out.push(`### ${title}`, '');
    for (const def of list) {
      const folder = pluginFolder(repoRoot, def);
      const readme = folder && existsSync(join(repoRoot, folder, 'README.md')) ? `${folder}/README.md` : null;
      out.push(`#### ${def.type}`, '');
      out.push(def.summary + (readme ? ` Behaviour, differences from Heka and examples: [${readme}](${readme}).` : ''), '');
      const opts = Object.entries(def.options);
      if (opts.length === 0) {
        out.push('No options of its own (common options only).', '');
        continue;
      }
      out.push('| option | type | default | meaning |', '|---|---|---|---|');
      for (const [name, spec] of opts) {
        out.push(`| \`${name}\` | ${spec.type} | ${cell(defaultText(spec))} | ${cell(spec.doc)} |`);
      }
      out.push('');
    }
  }
  out.push(END);
  return out.join('\n');
}

/** Replaces the generated block in README text (or the PLUGIN_SECTIONS placeholder). */
export function spliceReference(readme: string, block: string): string {
  const b = readme.indexOf(BEGIN);
  const e = readme.indexOf(END);
  if (b >= 0 && e > b) return readme.slice(0, b) + block + readme.slice(e + END.length);
  return readme.replace('PLUGIN_SECTIONS', block);
}
