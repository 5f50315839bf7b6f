/**
 * Error catalog: every configuration problem hekad reports carries a stable code from here
 * (STYLE.md rule 4, after fastify's FST_ERR_* and undici's UND_ERR_*). Codes are never reused or
 * renamed; a retired code stays in the table with "(retired)" in its description.
 */

/** Stable codes of configuration errors, with the one-line meaning shown in docs/errors.md. */
export const CONFIG_ERROR_CODES = {
  HEKA_ERR_CONFIG_READ: 'A configuration file or directory could not be read.',
  HEKA_ERR_CONFIG_ENV_INVALID_CHARS:
    'A %ENV[NAME] reference has a name with a space, tab, CR, LF or a nested %ENV[.',
  HEKA_ERR_CONFIG_ENV_MISSING_DELIMITER: 'A %ENV[ reference has no closing ] before the end of the file.',
  HEKA_ERR_CONFIG_TOML_PARSE: 'The file is not valid TOML (the line and column are given).',
  HEKA_ERR_CONFIG_EMPTY: 'The configuration defines no plugin section.',
  HEKA_ERR_CONFIG_NOT_A_TABLE: 'A top-level key is not a [section] table.',
  HEKA_ERR_CONFIG_UNKNOWN_TYPE: 'The section names a plugin type that is not registered.',
  HEKA_ERR_CONFIG_BAD_CATEGORY:
    'The plugin type does not end in Input, Splitter, Decoder, Filter, Encoder or Output, or its suffix disagrees with the plugin kind.',
  HEKA_ERR_CONFIG_UNKNOWN_KEY: 'An option is not known to the plugin (or to [hekad]).',
  HEKA_ERR_CONFIG_DUPLICATE_KEY: 'The same option is given twice with different letter case.',
  HEKA_ERR_CONFIG_TYPE_MISMATCH: 'An option value has the wrong TOML type.',
  HEKA_ERR_CONFIG_OUT_OF_RANGE: 'A number is outside the range the option accepts.',
  HEKA_ERR_CONFIG_ENUM: 'A string option is not one of its allowed values.',
  HEKA_ERR_CONFIG_REQUIRED: 'A required option is missing.',
  HEKA_ERR_CONFIG_BAD_DURATION: 'A duration option is not a valid Go duration string ("250ms", "1m30s").',
  HEKA_ERR_CONFIG_INVALID_VALUE: 'An option value failed its check (or a cross-option check of the plugin).',
  HEKA_ERR_CONFIG_MISSING_MATCHER: 'A filter or output has no message_matcher and its type gives no default.',
  HEKA_ERR_CONFIG_ENCODER_REQUIRED: 'An output that cannot work without an encoder has none.',
  HEKA_ERR_CONFIG_UNKNOWN_REFERENCE:
    'A decoder, splitter or encoder option names no section of that kind.',
  HEKA_ERR_CONFIG_GLOBAL: 'A [hekad] global fails its check (spec/config.md §4).',
} as const;

export type ConfigErrorCode = keyof typeof CONFIG_ERROR_CODES;

/** Stable codes of configuration warnings (the config still loads). */
export const CONFIG_WARNING_CODES = {
  HEKAWRN001: 'A section defined in an earlier file was replaced whole by a later file.',
  HEKAWRN002: "A key in a plugin's free-form table is not one the plugin reads (likely a typo).",
  HEKAWRN003: 'A [hekad] option is accepted for compatibility but has no effect in this port.',
} as const;

export type ConfigWarningCode = keyof typeof CONFIG_WARNING_CODES;

/** Where a configuration problem is, and what it is. Empty strings mean "not applicable". */
export interface ConfigIssueFields {
  /** The file the problem is in, as given (or joined from the directory); '<default>' for built-in instances. */
  file: string;
  /** Section name; nested tables are shown dotted ('name.sub'). */
  section: string;
  option: string;
  reason: string;
  /** 1-based position, when known (TOML parse errors, %ENV errors). */
  line?: number;
  column?: number;
}

/** The shape shared by errors and warnings: code plus location plus reason. */
export interface ConfigIssue extends ConfigIssueFields {
  code: string;
  toString(): string;
}

/**
 * `file: [section] option: reason`, dropping the parts that are empty, and `file:line:col: reason`
 * when a position is known and there is no section.
 */
export function formatConfigIssue(i: ConfigIssueFields): string {
  let where = i.file;
  if (i.line !== undefined && i.line > 0) {
    if (where === '') where = 'line ';
    else where += ':';
    where += `${i.line}`;
    if (i.column !== undefined && i.column > 0) where += `:${i.column}`;
  }
  let out = where === '' ? '' : `${where}: `;
  if (i.section !== '') out += `[${i.section}] `;
  if (i.option !== '') out += `${i.option}: `;
  return out + i.reason;
}

/** A configuration error. Thrown by the small helpers, collected (all of them) by loadConfig. */
export class ConfigError extends Error implements ConfigIssue {
  override name = 'ConfigError';
  readonly code: ConfigErrorCode;
  file: string;
  section: string;
  option: string;
  reason: string;
  line?: number;
  column?: number;

  constructor(code: ConfigErrorCode, fields: Partial<ConfigIssueFields> & { reason: string }) {
    const f: ConfigIssueFields = {
      file: fields.file ?? '',
      section: fields.section ?? '',
      option: fields.option ?? '',
      reason: fields.reason,
      line: fields.line,
      column: fields.column,
    };
    super(formatConfigIssue(f));
    this.code = code;
    this.file = f.file;
    this.section = f.section;
    this.option = f.option;
    this.reason = f.reason;
    if (f.line !== undefined) this.line = f.line;
    if (f.column !== undefined) this.column = f.column;
  }

  /** Copy with the file filled in (helpers that parse text do not know which file it came from). */
  withFile(file: string): ConfigError {
    const e = new ConfigError(this.code, { ...this.fields(), file });
    return e;
  }

  fields(): ConfigIssueFields {
    return {
      file: this.file,
      section: this.section,
      option: this.option,
      reason: this.reason,
      line: this.line,
      column: this.column,
    };
  }

  override toString(): string {
    return formatConfigIssue(this);
  }
}

/** A configuration warning: reported, but the configuration still loads. */
export class ConfigWarning implements ConfigIssue {
  readonly code: ConfigWarningCode;
  file: string;
  section: string;
  option: string;
  reason: string;
  line?: number;
  column?: number;

  constructor(code: ConfigWarningCode, fields: Partial<ConfigIssueFields> & { reason: string }) {
    this.code = code;
    this.file = fields.file ?? '';
    this.section = fields.section ?? '';
    this.option = fields.option ?? '';
    this.reason = fields.reason;
    if (fields.line !== undefined) this.line = fields.line;
    if (fields.column !== undefined) this.column = fields.column;
  }

  toString(): string {
    return formatConfigIssue(this);
  }
}

/**
 * Thrown by callers that want a single exception for a failed configuration check; it lists every
 * error, not only the first (STYLE.md §2.3).
 */
export class ConfigErrors extends Error {
  override name = 'ConfigErrors';
  readonly code = 'HEKA_ERR_CONFIG_INVALID';
  readonly errors: readonly ConfigIssue[];

  constructor(errors: readonly ConfigIssue[]) {
    super(
      `${errors.length} configuration error${errors.length === 1 ? '' : 's'}:\n` +
        errors.map((e) => `  ${e.toString()}`).join('\n'),
    );
    this.errors = errors;
  }
}
