/**
 * Heka's annotation module (spec/sandbox.md §5): per-graph lists of dashboard annotations, kept in
 * the sandbox's preserved state (`_ANNOTATIONS`).
 */
import { formatG } from '../number-format.js';

export interface Annotation {
  x: number;
  col: number;
  shortText: string;
  text: string;
}

export interface AnnotationSet {
  annotations: Annotation[];
  prune_duration: number;
}

export type AnnotationState = Record<string, AnnotationSet>;

const ONE_DAY_NS = 86400e9;

function jsonNumber(v: number): string {
  return v === v && Math.abs(v) !== Infinity ? formatG(v, 14) : 'null';
}

export class AnnotationModule {
  constructor(public state: AnnotationState = {}) {}

  create(ns: number, col: number, shortText: string, text: string): Annotation {
    return { x: Math.floor(ns / 1e6), col, shortText, text };
  }

  private set(name: string): AnnotationSet {
    let s = this.state[name];
    if (s === undefined) {
      s = { annotations: [], prune_duration: ONE_DAY_NS };
      this.state[name] = s;
    }
    return s;
  }

  add(name: string, ns: number, col: number, shortText: string, text: string): void {
    this.set(name).annotations.push(this.create(ns, col, shortText, text));
  }

  concat(name: string, list: readonly Annotation[]): void {
    const s = this.set(name);
    for (const a of list) s.annotations.push(a);
  }

  setPrune(name: string, nsDuration: number): void {
    this.set(name).prune_duration = nsDuration;
  }

  remove(name: string): void {
    delete this.state[name];
  }

  /** Drops expired annotations and returns the JSON line (with `\n`), or undefined for an unknown name. */
  prune(name: string, ns: number): string | undefined {
    const s = this.state[name];
    if (s === undefined) return undefined;
    s.annotations = s.annotations.filter((a) => !(a.x * 1e6 + s.prune_duration <= ns));
    if (s.annotations.length === 0) return '{"annotations":{}}\n';
    // lua-cjson key order observed on Heka 0.10: text, x, shortText, col.
    const items = s.annotations.map(
      (a) => `{"text":${JSON.stringify(a.text)},"x":${jsonNumber(a.x)},"shortText":${JSON.stringify(a.shortText)},"col":${jsonNumber(a.col)}}`,
    );
    return `{"annotations":[${items.join(',')}]}\n`;
  }
}
