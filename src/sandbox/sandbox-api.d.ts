/**
 * Types of the sandbox API for user JS/TS sandboxes (reference with
 * `/// <reference path=".../sandbox-api.d.ts" />`). Names are Heka's (spec/sandbox.md §1.3).
 */
import type { CircularBuffer } from './circular-buffer.js';

declare global {
  type HekaValue = string | number | boolean | undefined;
  function read_message(name: string, fieldIndex?: number, arrayIndex?: number): HekaValue;
  function read_next_field(): [number | undefined, string | undefined, HekaValue, string | undefined, number | undefined];
  function read_config(name: string): string | number | boolean | undefined;
  function add_to_payload(...args: unknown[]): void;
  function inject_payload(type?: string, name?: string, ...args: unknown[]): void;
  function inject_message(msg: {
    Uuid?: string; Timestamp?: number; Type?: string; Logger?: string; Payload?: string; EnvVersion?: string;
    Hostname?: string; Severity?: number; Pid?: number;
    Fields?: Record<string, unknown> | Array<{ name: string; value: unknown; value_type?: number; representation?: string }>;
  }): void;
  function write_message(name: string, value: string | number | boolean | null, representation?: string, fieldIndex?: number, arrayIndex?: number): void;
  function require(name: 'circular_buffer'): { 'new'(rows: number, columns: number, secondsPerRow: number, enableDelta?: boolean): CircularBuffer };
  function require(name: 'annotation' | 'alert' | 'anomaly' | string): any;
}
export {};
