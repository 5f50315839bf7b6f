/** `npm run docs`: regenerates the README's plugin reference from the option schemas. */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registry } from '../plugins/index.js';
import { renderPluginReference, spliceReference } from './plugin-docs.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const path = join(root, 'README.md');
const before = readFileSync(path, 'utf8');
const after = spliceReference(before, renderPluginReference(root, registry.values()));
if (after !== before) writeFileSync(path, after);
console.log(after !== before ? 'README.md plugin reference updated.' : 'README.md plugin reference is up to date.');
