import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { DataRow } from '../../util/template.js';

/** A data file's rows (shared by every client of a process, never copied) and the columns they have. */
export interface DataTable {
  rows: readonly DataRow[];
  columns: string[];
}

/** Why a data file cannot be used, with the line when one is to blame. */
export class DataFileError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

/** Reads a CSV file (a header row, then one row per client; quoted fields and all) or a JSON Lines file. */
export function readDataFile(file: string): DataTable {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new DataFileError(`cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const table = /\.jsonl$|\.ndjson$/i.test(file) ? parseJsonLines(text) : parseCsv(text);
  if (table.rows.length === 0) throw new DataFileError('has no data rows (a CSV needs a header row, then rows)');
  return table;
}

function parseCsv(text: string): DataTable {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, bom: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (error) {
    const { message, lines } = error as Error & { lines?: number };
    throw new DataFileError(`is not valid CSV: ${message.replace(/^Invalid Record Length: /, '')}`, lines);
  }
  const columns = rows.length > 0 ? Object.keys(rows[0]) : headerOf(text);
  return { rows: rows.map((row) => Object.freeze(row)), columns };
}

function headerOf(text: string): string[] {
  const [header] = parse(text, { to_line: 1, bom: true, trim: true }) as string[][];
  return header ?? [];
}

function parseJsonLines(text: string): DataTable {
  const rows: DataRow[] = [];
  const columns = new Set<string>();
  text.split('\n').forEach((line, at) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new DataFileError(`is not valid JSON Lines: ${(error as Error).message}`, at + 1);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new DataFileError('is not valid JSON Lines: each line must be one JSON object', at + 1);
    const row: Record<string, string> = {};
    for (const [key, field] of Object.entries(value)) {
      row[key] = typeof field === 'string' ? field : JSON.stringify(field);
      columns.add(key);
    }
    rows.push(Object.freeze(row));
  });
  return { rows, columns: [...columns] };
}

/** Each process reads a data file once; its clients share the rows. */
const tables = new Map<string, DataTable>();

export function sharedDataTable(file: string): DataTable {
  let table = tables.get(file);
  if (!table) {
    table = readDataFile(file);
    tables.set(file, table);
  }
  return table;
}
