// Regenerates scenarios/schema.json from the zod schema (run by `npm run build`).
import fs from 'node:fs';
import { scenarioJsonSchemaText } from '../dist/src/scenario/json-schema.js';

fs.writeFileSync(new URL('../scenarios/schema.json', import.meta.url), scenarioJsonSchemaText());
