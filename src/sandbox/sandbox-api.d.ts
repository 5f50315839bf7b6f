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
  /** A table (Heka's Lua table form), or a string holding an encoded protobuf message. */
  function inject_message(msg: string | {
    Uuid?: string; Timestamp?: number; Type?: string; Logger?: string; Payload?: string; EnvVersion?: string;
    Hostname?: string; Severity?: number; Pid?: number;
    Fields?: Record<string, unknown> | Array<{ name: string; value: unknown; value_type?: number; representation?: string }>;
  }): void;
  /** Decodes a protobuf message (e.g. `read_message('raw')`) into Heka's table form. */
  function decode_message(protobuf: string): {
    Uuid?: string; Timestamp?: number; Type?: string; Logger?: string; Severity?: number; Payload?: string;
    EnvVersion?: string; Pid?: number; Hostname?: string;
    Fields: Array<{ name: string; value_type: number; representation: string; value: Array<string | number | boolean> }>;
  };
  /** Decoders and encoders only. */
  function write_message(name: string, value: string | number | boolean | null, representation?: string, fieldIndex?: number, arrayIndex?: number): void;
  function require(name: 'circular_buffer'): { 'new'(rows: number, columns: number, secondsPerRow: number, enableDelta?: boolean): CircularBuffer };
  function require(name: 'annotation' | 'alert' | 'anomaly' | string): any;
}
export {};
