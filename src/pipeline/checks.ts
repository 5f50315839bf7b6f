/** Section checks that need more than the config loader knows (matchers), shared by the CLI and the in-memory pipeline. */
import type { SectionCheck } from '../config/index.js';
import { compileMatcher } from '../matcher/index.js';

/** Matchers are compiled at load time too, so -check lists their errors with all the others. */
export const matcherCheck: SectionCheck = (section) => {
  const expr = section.common.message_matcher;
  if ((section.kind !== 'filter' && section.kind !== 'output') || !expr) return;
  try {
    compileMatcher(expr);
  } catch (err) {
    return [{ option: 'message_matcher', reason: `Can't create message matcher for '${section.name}': ${(err as Error).message}` }];
  }
  return;
};
