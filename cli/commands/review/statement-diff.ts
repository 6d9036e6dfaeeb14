// Statement-by-statement difference of two versions of a policy: statements match by Sid, else by identical content.
import {
  fieldElements,
  type PolicyStatement,
  STATEMENT_FIELDS,
  type StatementField,
  statementKey,
} from './policy-statements';

/** The elements a field gained and lost. */
export interface FieldChange {
  readonly field: StatementField;
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

export type StatementChange =
  | { readonly kind: 'added'; readonly statement: PolicyStatement }
  | { readonly kind: 'removed'; readonly statement: PolicyStatement }
  | {
      readonly kind: 'changed';
      readonly before: PolicyStatement;
      readonly statement: PolicyStatement;
      readonly fields: readonly FieldChange[];
    };

/**
 * What changed from `before` to `after`: the statements of `after` that are new or changed, in its order, then the
 * statements of `before` it no longer has. Unchanged statements, and statements whose only change is their Sid, are
 * left out: they grant what they granted.
 */
export function diffStatements(
  before: readonly PolicyStatement[],
  after: readonly PolicyStatement[],
): StatementChange[] {
  const unmatchedBefore = [...before];
  const take = (predicate: (candidate: PolicyStatement) => boolean): PolicyStatement | undefined => {
    const position = unmatchedBefore.findIndex(predicate);
    return position === -1 ? undefined : unmatchedBefore.splice(position, 1)[0];
  };

  // First the identical statements, so that a duplicated Sid cannot pair the wrong ones.
  const pending: PolicyStatement[] = [];
  for (const statement of after) {
    const key = statementKey(statement);
    if (take((candidate) => statementKey(candidate) === key) === undefined) pending.push(statement);
  }

  const changes = new Map<PolicyStatement, StatementChange>();
  const unmatchedAfter: PolicyStatement[] = [];
  for (const statement of pending) {
    const previous = statement.sid === undefined ? undefined : take((candidate) => candidate.sid === statement.sid);
    if (previous === undefined) unmatchedAfter.push(statement);
    else
      changes.set(statement, {
        kind: 'changed',
        before: previous,
        statement,
        fields: fieldChanges(previous, statement),
      });
  }
  for (const statement of unmatchedAfter) {
    const key = statementKey(statement, { withSid: false });
    const renamed = take((candidate) => statementKey(candidate, { withSid: false }) === key);
    if (renamed === undefined) changes.set(statement, { kind: 'added', statement });
  }
  const ordered = after.flatMap((statement) => {
    const change = changes.get(statement);
    return change === undefined ? [] : [change];
  });
  return [...ordered, ...unmatchedBefore.map((statement): StatementChange => ({ kind: 'removed', statement }))];
}

/** Per field, the elements added and removed; fields without a difference are left out. */
export function fieldChanges(before: PolicyStatement, after: PolicyStatement): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of STATEMENT_FIELDS) {
    const was = fieldElements(before, field);
    const now = fieldElements(after, field);
    const added = now.filter((element) => !was.includes(element));
    const removed = was.filter((element) => !now.includes(element));
    if (added.length > 0 || removed.length > 0) changes.push({ field, added, removed });
  }
  return changes;
}
