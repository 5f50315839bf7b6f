/**
 * Option schemas: the single place a plugin declares its options (type, default, one-line doc).
 * The config loader validates every section against the schema before any plugin starts.
 */

export type OptionType =
  | 'string'
  | 'bool'
  | 'int' // any integer (TOML integer)
  | 'uint' // integer >= 0
  | 'float' // TOML integer or float, as a number
  | 'string[]'
  | 'int[]'
  | 'duration' // Go duration string ("250ms", "1m30s") -> milliseconds
  | 'table' // a nested TOML table, validated by `schema` when given, free-form otherwise
  | 'any';

export interface OptionSpec {
  type: OptionType;
  /** One sentence for the README and -check output. */
  doc: string;
  default?: unknown;
  required?: boolean;
  /** Allowed values for strings. */
  enum?: readonly string[];
  /** For `table`: the nested table's schema (unknown keys are errors), or omitted for free-form. */
  schema?: OptionSchema;
  /** For free-form tables whose keys the plugin reads: warn (not fail) on keys it does not know. */
  knownKeys?: readonly string[];
  /** Extra validation; returns a reason string when the value is invalid. */
  check?: (value: unknown) => string | undefined;
}

export type OptionSchema = Record<string, OptionSpec>;

/** Identity helper that keeps literal types for schemas. */
export function defineOptions<S extends OptionSchema>(schema: S): S {
  return schema;
}
