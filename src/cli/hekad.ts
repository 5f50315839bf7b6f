/**
 * The hekad command: parse flags, load and validate the configuration, build the pipeline, run it
 * until SIGINT/SIGTERM (or a fatal error), and exit with Heka's status codes (spec/config.md §1).
 */
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, validateSections } from '../config/index.js';
import { Logger } from '../log/logger.js';
import { matcherCheck } from '../pipeline/checks.js';
import { Pipeline, formatIssue } from '../pipeline/pipeline.js';
import { registry } from '../plugins/index.js';
import { USAGE, UsageError, parseFlags } from './flags.js';
import { VERSION } from './version.js';

export async function main(argv: string[]): Promise<number> {
  let flags;
  try {
    flags = parseFlags(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (flags.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }

  const cfg = validateSections(loadConfig(flags.config, registry), [matcherCheck]);
  const log = new Logger(undefined, cfg.errors.length ? 3 : cfg.globals.log_flags);
  for (const w of cfg.warnings) log.warn(String(w));
  if (cfg.errors.length) {
    for (const e of cfg.errors) log.error(String(e));
    log.error(`${cfg.errors.length} error${cfg.errors.length > 1 ? 's' : ''} in configuration ${flags.config}, exiting.`);
    return 1;
  }
  const { pipeline, issues } = Pipeline.build(cfg, { log });
  if (pipeline === null) {
    for (const i of issues) log.error(formatIssue(i));
    log.error(`${issues.length} error${issues.length > 1 ? 's' : ''} loading plugins, exiting.`);
    return 1;
  }
  if (flags.check) {
    process.stdout.write(`Configuration ${flags.config} is valid. It would run:\n`);
    for (const line of pipeline.describe()) process.stdout.write(`  ${line}\n`);
    return 0;
  }

  const g = cfg.globals;
  try {
    mkdirSync(g.base_dir, { recursive: true, mode: 0o755 });
  } catch (err) {
    log.error(`Can't create base_dir ${g.base_dir}: ${(err as Error).message}`);
    return 1;
  }
  if (g.pid_file) {
    const code = claimPidFile(g.pid_file, log);
    if (code !== 0) return code;
  }

  let signals = 0;
  const onStop = () => {
    if (++signals > 1) {
      log.error('Second stop signal: exiting without finishing the shutdown.');
      process.exit(1);
    }
    void pipeline.stop();
  };
  process.on('SIGINT', onStop);
  process.on('SIGTERM', onStop);
  // The text report goes to stderr through the error logger, as Heka 0.10 does (dashboard.md §3.4).
  // It shows only Heka's fixed columns, so hekad also writes the whole report (every field, in the
  // heka.all-report JSON layout) to <base_dir>/heka_report.json first: a hekad extension that
  // gives the full figures without a DashboardOutput.
  process.on('SIGUSR1', () => {
    writeReportFile(join(g.base_dir, 'heka_report.json'), pipeline.reportJson(), log);
    log.errorBlock(pipeline.reportText());
  });
  process.on('SIGHUP', () => {
    for (const o of pipeline.outputs) o.plugin.reopen?.();
  });

  pipeline.start();
  const code = await pipeline.finished;
  if (g.pid_file) {
    try {
      unlinkSync(g.pid_file);
    } catch {
      /* already gone */
    }
  }
  return code;
}

/** Replace `path` atomically (write a temporary file, rename), so a reader never sees half a report. */
function writeReportFile(path: string, text: string, log: Logger): void {
  const tmp = `${path}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    log.error(`Can't write ${path}: ${(err as Error).message}`);
  }
}

function claimPidFile(path: string, log: Logger): number {
  let text: string | null = null;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    /* no pid file */
  }
  if (text !== null && text.trim() !== '') {
    const pid = Number(text.trim());
    if (!Number.isInteger(pid) || pid <= 0) {
      log.error(`Can't read pid from ${path}: ${JSON.stringify(text.trim())}`);
      return 1;
    }
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (alive) {
      log.error(`Process ${pid} is already running.`);
      return 1;
    }
  }
  try {
    writeFileSync(path, String(process.pid));
  } catch (err) {
    log.error(`Can't write pid file ${path}: ${(err as Error).message}`);
    return 1;
  }
  return 0;
}

