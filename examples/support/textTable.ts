// A plain-text table for a terminal: column widths from the content, each cell wrapped at
// word boundaries to its column's limit (a word longer than that is cut with an
// ellipsis), so every line of the table has the same width however long a cell gets.

/** One column: its title and the most characters a line of it may take. */
export interface TextColumn {
  readonly title: string;
  readonly maxWidth: number;
}

/** Wraps one line of text at spaces to `width`; a word longer than `width` is cut with "…". */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split(' ').filter((word) => word !== '')) {
    const word = raw.length > width ? `${raw.slice(0, width - 1)}…` : raw;
    if (current === '') current = word;
    else if (current.length + 1 + word.length <= width) current += ` ${word}`;
    else {
      lines.push(current);
      current = word;
    }
  }
  lines.push(current);
  return lines;
}

/**
 * Renders `rows` (one string per column; `\n` starts a new line within a cell) as lines
 * of `| cell | cell |`, a rule under the titles and between rows.
 */
export function renderTable(columns: readonly TextColumn[], rows: readonly (readonly string[])[]): string[] {
  const cellLines = (text: string, column: number): string[] =>
    text.split('\n').flatMap((line) => wrapText(line, columns[column]!.maxWidth));
  const header = columns.map((column, i) => cellLines(column.title, i));
  const body = rows.map((row) => columns.map((_, i) => cellLines(row[i] ?? '', i)));
  const widths = columns.map((_, i) =>
    Math.max(...[header, ...body].flatMap((cells) => cells[i]!.map((line) => line.length))),
  );
  const rule = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  const render = (cells: string[][]): string[] => {
    const height = Math.max(...cells.map((lines) => lines.length));
    return Array.from(
      { length: height },
      (_, n) => `| ${cells.map((lines, i) => (lines[n] ?? '').padEnd(widths[i]!)).join(' | ')} |`,
    );
  };
  return [...render(header), rule, ...body.flatMap((cells, n) => [...(n === 0 ? [] : [rule]), ...render(cells)])];
}
