/**
 * Loads a user sandbox's source. TypeScript (and ESM import/export syntax in .js/.mjs) is
 * transpiled to a CommonJS-style script with the `typescript` package's transpileModule (types
 * are stripped, never checked), so top-level `var` and function declarations stay globals of the
 * sandbox, as Lua globals are in Heka.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

type TsModule = typeof import('typescript');
let ts: TsModule | null = null;

function typescript(): TsModule {
  if (ts === null) ts = createRequire(import.meta.url)('typescript') as TsModule;
  return ts;
}

const ESM_SYNTAX = /^\s*(import\s|export\s)/m;

/** Source text ready to run as a classic script, plus the name shown in stack traces. */
export function loadUserSource(file: string): { code: string; filename: string } {
  const text = readFileSync(file, 'utf8');
  return { code: toScript(text, file), filename: file };
}

export function toScript(text: string, file: string): string {
  const ext = path.extname(file).toLowerCase();
  const isTs = ext === '.ts' || ext === '.mts' || ext === '.cts';
  if (!isTs && !ESM_SYNTAX.test(text)) return text;
  const t = typescript();
  const out = t.transpileModule(text, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: {
      module: t.ModuleKind.CommonJS,
      target: t.ScriptTarget.ES2022,
      esModuleInterop: false,
      sourceMap: false,
      removeComments: false,
      verbatimModuleSyntax: false,
    },
  });
  const errs = (out.diagnostics ?? []).filter((d) => d.category === t.DiagnosticCategory.Error);
  if (errs.length) {
    const d = errs[0]!;
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    throw new Error(
      `${file}${where ? `:${where.line + 1}:${where.character + 1}` : ''}: ${t.flattenDiagnosticMessageText(d.messageText, '\n')}`,
    );
  }
  return out.outputText;
}
