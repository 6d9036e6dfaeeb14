// Policies over lists only Terraform knows (the module's users, its readers), written by the construct's own
// statement builders. A builder is given one stand-in item whose names are markers; the synthesized policy (which the
// rules check as it is) is then rewritten so that each list holding marked values becomes a `for` expression over the
// Terraform list, and the document a `jsonencode` of it. A statement naming a list that may be empty is kept only when
// it is not (IAM and KMS refuse an empty principal or resource list).
import { interpolation } from './hcl';

const MARKER = /__TF_ITEM_(\d+)_(\d+)__/g;
const HAS_MARKER = /__TF_ITEM_\d+_\d+__/;

interface Loop {
  /** The Terraform list, e.g. `each.value`. */
  readonly list: string;
  /** The `for` variable, e.g. `user`. */
  readonly variable: string;
  readonly mayBeEmpty: boolean;
  /** What each marker of the loop stands for: an HCL expression of the variable. */
  readonly values: string[];
}

/** One stand-in item of a Terraform list: `value(expression)` is a marker for an expression of the loop's variable. */
export interface ListItem {
  value(expression?: string): string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export class PolicyLists {
  private readonly loops: Loop[] = [];

  /** A stand-in for the items of `list`; `mayBeEmpty`: statements naming it are dropped when it is empty. */
  item(list: string, variable: string, mayBeEmpty = false): ListItem {
    const loop: Loop = { list, variable, mayBeEmpty, values: [] };
    const id = this.loops.push(loop) - 1;
    return {
      value: (expression = variable) => {
        const index = loop.values.push(expression) - 1;
        return `__TF_ITEM_${id}_${index}__`;
      },
    };
  }

  /** Whether a synthesized string holds markers (then it is a policy document to rewrite). */
  static hasMarkers(text: string): boolean {
    return HAS_MARKER.test(text);
  }

  /** The synthesized policy document, its marked lists written as `for` expressions. */
  rewrite(policy: string): string {
    const document = JSON.parse(policy) as Json;
    const expression = this.hcl(document);
    if (HAS_MARKER.test(expression)) throw new Error(`a marker is left outside a list in ${policy}`);
    return interpolation(`jsonencode(${expression})`);
  }

  private hcl(value: Json, key?: string): string {
    if (Array.isArray(value)) {
      if (key === 'Statement') return this.statements(value);
      return this.list(value);
    }
    if (value !== null && typeof value === 'object') {
      return `{ ${Object.entries(value)
        .map(([name, item]) => `${JSON.stringify(name)} = ${this.hcl(item, name)}`)
        .join(', ')} }`;
    }
    // Interpolations (`${...}`) inside the document's strings stay interpolations.
    return JSON.stringify(value);
  }

  private list(items: Json[]): string {
    const loops = new Set(items.flatMap((item) => (typeof item === 'string' ? this.loopsOf(item) : [])));
    if (loops.size === 0) return `[${items.map((item) => this.hcl(item)).join(', ')}]`;
    const [id] = [...loops];
    if (loops.size > 1 || !items.every((item) => typeof item === 'string' && this.loopsOf(item).length > 0)) {
      throw new Error(`a list mixes items of several lists, or with fixed ones: ${JSON.stringify(items)}`);
    }
    const loop = this.loops[id];
    const values = (items as string[]).map((item) => this.itemTemplate(item));
    if (values.length === 1 && values[0] === interpolation(loop.variable)) return loop.list;
    if (values.length === 1) return `[for ${loop.variable} in ${loop.list} : "${values[0]}"]`;
    return `flatten([for ${loop.variable} in ${loop.list} : [${values.map((template) => `"${template}"`).join(', ')}]])`;
  }

  /** Statements, those naming a list that may be empty only when it is not. */
  private statements(statements: Json[]): string {
    const parts = statements.map((statement) => {
      const text = this.hcl(statement);
      const guards = [...new Set(this.loopsOf(JSON.stringify(statement)))].filter((id) => this.loops[id].mayBeEmpty);
      return guards.length === 0
        ? `[${text}]`
        : `(${guards.map((id) => `length(${this.loops[id].list}) > 0`).join(' && ')} ? [${text}] : [])`;
    });
    // Consecutive statements that are always there make one list.
    const groups: string[] = [];
    parts.forEach((part, index) => {
      if (part.startsWith('[') && index > 0 && parts[index - 1].startsWith('['))
        groups[groups.length - 1] = `${groups[groups.length - 1].slice(0, -1)}, ${part.slice(1)}`;
      else groups.push(part);
    });
    return groups.length === 1 ? groups[0] : `concat(${groups.join(', ')})`;
  }

  /** A marked string as the content of an HCL template: markers become interpolations of their expressions. */
  private itemTemplate(item: string): string {
    const literal = JSON.stringify(item).slice(1, -1);
    return literal.replace(MARKER, (_, id: string, index: string) =>
      interpolation(this.loops[Number(id)].values[Number(index)]),
    );
  }

  private loopsOf(text: string): number[] {
    return [...text.matchAll(MARKER)].map((match) => Number(match[1]));
  }
}
