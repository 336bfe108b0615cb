import { z } from 'zod';
import { scenarioSchema } from './schema.js';

/** The scenario schema as JSON Schema (scenarios/schema.json), so editors complete and check files. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://stickler.dev/schema/scenario-v1.json', title: 'stickler scenario' };
}

export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
