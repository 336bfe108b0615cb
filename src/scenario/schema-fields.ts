import { z } from 'zod';
import { DURATION_HINT, isDuration } from '../util/duration.js';
import { SHARE_HINT, parseShare } from '../util/share.js';

/** Field kinds the scenario schema uses throughout, kept as users write them (durations and shares as text). */
export const duration = z
  .union([z.string(), z.number()])
  .refine(isDuration, { message: `expected ${DURATION_HINT}` })
  .describe(DURATION_HINT);

export const share = z
  .union([z.string(), z.number()])
  .refine((value) => parseShare(value) !== undefined, { message: `expected ${SHARE_HINT}` })
  .describe(SHARE_HINT);

const POSITIVE_INT = 'expected a positive integer';
export const positiveInt = z
  .number({ error: POSITIVE_INT })
  .int({ error: POSITIVE_INT })
  .positive({ error: POSITIVE_INT });
