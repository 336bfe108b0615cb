// Regenerates scenarios/schema.json and docs/scenario-reference.md from the zod schema (run by `npm run build`).
import fs from 'node:fs';
import { scenarioJsonSchemaText } from '../dist/src/scenario/json-schema.js';

fs.writeFileSync(new URL('../scenarios/schema.json', import.meta.url), scenarioJsonSchemaText());

// And the scenario reference that ships in the repository and the package.
const { scenarioReferenceMarkdown } = await import('../dist/src/scenario/reference-doc.js');
fs.mkdirSync(new URL('../docs/', import.meta.url), { recursive: true });
fs.writeFileSync(new URL('../docs/scenario-reference.md', import.meta.url), scenarioReferenceMarkdown());
