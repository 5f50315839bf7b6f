/**
 * Static registry of every built-in plugin type: one import line per plugin, grouped by kind.
 * No directory scanning, so the set of plugins is visible (and greppable) here.
 */
import type { PluginDefinition } from '../plugin-api/index.js';
// inputs
import LogstreamerInput from './inputs/logstreamer/index.js';
import StatAccumInput from './inputs/stat-accum/index.js';
import StatsdInput from './inputs/statsd/index.js';
// splitters
import NullSplitter from './splitters/null/index.js';
import RegexSplitter from './splitters/regex/index.js';
import TokenSplitter from './splitters/token/index.js';
// decoders
import ProtobufDecoder from './decoders/protobuf/index.js';
import SandboxDecoder from './decoders/sandbox/index.js';
// encoders
import PayloadEncoder from './encoders/payload/index.js';
import ProtobufEncoder from './encoders/protobuf/index.js';
import SandboxEncoder from './encoders/sandbox/index.js';
// filters
import SandboxFilter from './filters/sandbox/index.js';
// outputs
import CarbonOutput from './outputs/carbon/index.js';
import FileOutput from './outputs/file/index.js';
import HttpOutput from './outputs/http/index.js';
import LogOutput from './outputs/log/index.js';

const definitions: PluginDefinition[] = [
  LogstreamerInput,
  StatAccumInput,
  StatsdInput,
  NullSplitter,
  RegexSplitter,
  TokenSplitter,
  ProtobufDecoder,
  SandboxDecoder,
  PayloadEncoder,
  ProtobufEncoder,
  SandboxEncoder,
  CarbonOutput,
  SandboxFilter,
  FileOutput,
  HttpOutput,
  LogOutput,
];

export const registry: ReadonlyMap<string, PluginDefinition> = new Map(definitions.map((d) => [d.type, d]));
