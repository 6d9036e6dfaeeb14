// What JSON.parse does not tell about a JSON text: a key given more than once in one object (JSON.parse keeps the
// last one silently), and a number too large for a double (JSON.parse makes it Infinity, which then shows as null).
// Meant for text JSON.parse has accepted: it reads tokens and does not check the grammar.

/** A key given more than once in one object. */
export interface RepeatedKey {
  /** Where the key is, like `users[1].schedule.duration`; a top-level key is the key itself. */
  readonly path: string;
  /** How many times the object gives the key: 2 or more. */
  readonly count: number;
}

export interface JsonScan {
  /** Every key given more than once in its object, in the order of their first repeat in the text. */
  readonly repeatedKeys: readonly RepeatedKey[];
  /** The text of every number that JSON.parse makes Infinity or -Infinity (like `1e400`), by path. */
  readonly nonFiniteNumbers: ReadonlyMap<string, string>;
}

/** The path of the member `key` of the object at `path` ('' is the document). */
export function memberPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** An object or array whose end is still to come. */
interface Open {
  readonly path: string;
  /** An object's keys so far, each with its record once repeated; undefined for an array. */
  readonly keys: Map<string, { path: string; count: number } | undefined> | undefined;
  /** The key whose value comes next; undefined while the next string is a key. */
  key: string | undefined;
  /** The index of an array's next item. */
  index: number;
}

// One token after optional whitespace: punctuation, a string (escapes kept), a number, or a literal.
const TOKEN = /\s*(?:([{}[\]:,])|("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|true|false|null)/y;

/** Scans JSON text that JSON.parse accepted. Iterative, so any depth JSON.parse takes is fine here too. */
export function scanJson(text: string): JsonScan {
  const repeatedKeys: { path: string; count: number }[] = [];
  const nonFiniteNumbers = new Map<string, string>();
  const open: Open[] = [];
  const valuePath = (): string => {
    const container = open.at(-1);
    if (container === undefined) return '';
    return container.keys === undefined
      ? `${container.path}[${container.index}]`
      : memberPath(container.path, container.key ?? '');
  };

  const token = new RegExp(TOKEN); // a sticky RegExp keeps its position (lastIndex): one per scan
  for (let match = token.exec(text); match !== null; match = token.exec(text)) {
    const [, punctuation, string, number] = match;
    const container = open.at(-1);
    if (punctuation === '{' || punctuation === '[') {
      open.push({ path: valuePath(), keys: punctuation === '{' ? new Map() : undefined, key: undefined, index: 0 });
    } else if (punctuation === '}' || punctuation === ']') {
      open.pop();
    } else if (punctuation === ',' && container !== undefined) {
      container.key = undefined;
      container.index += 1;
    } else if (string !== undefined && container?.keys !== undefined && container.key === undefined) {
      // Keys compare decoded: "na\u006de" is "name".
      const key = JSON.parse(string) as string;
      container.key = key;
      const repeated = container.keys.get(key);
      if (!container.keys.has(key)) {
        container.keys.set(key, undefined);
      } else if (repeated === undefined) {
        const first = { path: memberPath(container.path, key), count: 2 };
        repeatedKeys.push(first);
        container.keys.set(key, first);
      } else {
        repeated.count += 1;
      }
    } else if (number !== undefined && !Number.isFinite(Number(number))) {
      nonFiniteNumbers.set(valuePath(), number);
    }
  }
  return { repeatedKeys, nonFiniteNumbers };
}
