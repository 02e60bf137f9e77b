// CSV as spreadsheets read it (RFC 4180): every table on the dashboard exports through this.

export type CsvValue = string | number | boolean | null | undefined;
export type CsvColumn<T> = { header: string; value: (row: T) => CsvValue };

function cell(v: CsvValue): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  // A leading =, +, - or @ would be run as a formula by spreadsheet programs, and so would one
  // after a leading tab or carriage return, which some of them strip first (OWASP's list).
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === "string" ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv<T>(rows: readonly T[], columns: readonly CsvColumn<T>[]): string {
  const lines = [columns.map((c) => cell(c.header)).join(",")];
  for (const row of rows) lines.push(columns.map((c) => cell(c.value(row))).join(","));
  return lines.join("\r\n") + "\r\n";
}
