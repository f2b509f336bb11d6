/** A value the YAML writer can write: what Prometheus rule files are made of. */
export type YamlValue = string | number | readonly YamlValue[] | { readonly [key: string]: YamlValue | undefined };

/**
 * Writes `value` as block-style YAML: multi-line strings as literal blocks (`|`), other
 * strings double-quoted (a JSON string is a valid YAML double-quoted scalar, so no value
 * can be misread as a number, a boolean or a comment). Keys must be plain words, which
 * every key of a rule file is. faultline has no YAML library at run time and needs none
 * for this one shape.
 */
export function toYaml(value: YamlValue, indent = 0): string {
  return lines(value, indent).join('\n') + '\n';
}

function lines(value: YamlValue, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    return (value as readonly YamlValue[]).flatMap((item) => {
      const [first = '', ...rest] = lines(item, indent + 2);
      return [`${pad}- ${first.slice(indent + 2)}`, ...rest];
    });
  }
  if (typeof value === 'object') {
    const out: string[] = [];
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      if (typeof item === 'object') out.push(`${pad}${key}:`, ...lines(item, indent + 2));
      else if (typeof item === 'string' && item.includes('\n')) {
        out.push(
          `${pad}${key}: |`,
          ...item
            .replace(/\n$/, '')
            .split('\n')
            .map((line) => `${pad}  ${line}`),
        );
      } else out.push(`${pad}${key}: ${scalar(item)}`);
    }
    return out;
  }
  return [`${pad}${scalar(value)}`];
}

function scalar(value: string | number): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}
