// Who may act on keys or read secrets: every planned change to a policy document (statement by statement), a policy
// attachment, or a Lambda permission, as table rows.
import {
  type Cell,
  type CellLine,
  codeLines,
  sameShown,
  type Shown,
  shownLine,
  shownOf,
  textCell,
  UNKNOWN_TEXT,
} from './cells';
import { nameAttributeOf, secretNameOf } from './names';
import {
  attributeOf,
  knownString,
  type Plan,
  referencedResources,
  type ResourceChange,
  type ResourceIndex,
} from './plan';
import type { DocumentState, PolicyDocument } from './policy-documents';
import { fieldElements, type PolicyStatement, type StatementField } from './policy-statements';
import { diffStatements, type FieldChange } from './statement-diff';

export interface AccessRow {
  readonly change: 'added' | 'removed' | 'changed' | 'warning';
  readonly address: string;
  /** The Sid (or statement_id), and which document when it is not `policy`. */
  readonly statement: Cell;
  /** Identity policies: the role, user or group it belongs to. Resource policies: the principals. */
  readonly who: Cell;
  readonly effect: Cell;
  readonly actions: Cell;
  /** The resources; for a secret's or a role's policy, the secret or role first. */
  readonly on: Cell;
  readonly conditions: Cell;
}

const UNKNOWN_POLICY = 'known only after apply: cannot be reviewed';
const SENSITIVE_POLICY = 'sensitive in the plan: not shown, read it in the plan';

/** Attachment types: the attribute naming who the policy is attached to, and that resource's type. */
const ATTACHMENTS: Readonly<Record<string, { readonly attribute: string; readonly targetType: string }>> = {
  aws_iam_role_policy_attachment: { attribute: 'role', targetType: 'aws_iam_role' },
  aws_iam_user_policy_attachment: { attribute: 'user', targetType: 'aws_iam_user' },
  aws_iam_group_policy_attachment: { attribute: 'group', targetType: 'aws_iam_group' },
};

/** Inline policies: the attribute naming their role, user or group, and its type. */
const INLINE_OWNERS: Readonly<Record<string, { readonly attribute: string; readonly targetType: string }>> = {
  aws_iam_role_policy: { attribute: 'role', targetType: 'aws_iam_role' },
  aws_iam_user_policy: { attribute: 'user', targetType: 'aws_iam_user' },
  aws_iam_group_policy: { attribute: 'group', targetType: 'aws_iam_group' },
};

/** What `Resource: "*"` means in each resource policy. */
const STAR_MEANS: Readonly<Record<string, string>> = {
  aws_kms_key: '(this key)',
  aws_secretsmanager_secret_policy: '(this secret)',
  aws_sns_topic_policy: '(this topic)',
};

/** The rows in plan order: per resource, its documents, then its attachment or permission change. */
export function accessChanges(plan: Plan, documents: readonly PolicyDocument[], resources: ResourceIndex): AccessRow[] {
  const context = new AccessContext(plan, resources);
  return plan.resourceChanges.flatMap((change) => {
    if (change.mode !== 'managed' || !['create', 'update', 'delete', 'replace'].includes(change.kind)) return [];
    const rows = documents
      .filter((document) => document.change === change)
      .flatMap((document) => context.documentRows(document));
    const attachment = ATTACHMENTS[change.type];
    if (attachment !== undefined)
      rows.push(...context.attachmentRows(change, attachment.attribute, attachment.targetType));
    if (change.type === 'aws_lambda_permission') rows.push(...context.permissionRows(change));
    return rows;
  });
}

/** Who a document's statements are about, on one side of the change. */
interface SideContext {
  readonly who: Cell;
  /** The secret or role a resource policy is attached to, shown first in `on`. */
  readonly owner: CellLine | undefined;
}

class AccessContext {
  constructor(
    private readonly plan: Plan,
    private readonly resources: ResourceIndex,
  ) {}

  documentRows(document: PolicyDocument): AccessRow[] {
    const { change, label } = document;
    // Who the statements are about, before and after: the same role (or secret) unless the policy moves.
    const was = change.before !== null ? this.sideContext(document, 'before') : undefined;
    const now = change.after !== null ? this.sideContext(document, 'after') : (was as SideContext);
    const problem = documentProblem(document.before) ?? documentProblem(document.after);
    if (problem !== undefined) {
      return [
        {
          change: 'warning',
          address: change.address,
          statement: textCell(label),
          who: document.kind === 'identity' ? now.who : [],
          effect: [],
          actions: textCell(problem),
          on: now.owner === undefined ? [] : [now.owner],
          conditions: [],
        },
      ];
    }
    const before = statementsOf(document.before);
    const after = statementsOf(document.after);
    const row = (kind: 'added' | 'removed', statement: PolicyStatement, side: SideContext): AccessRow =>
      this.statementRow(document, kind, statement, side);
    if (was !== undefined && !sameContext(was, now)) {
      return [
        ...before.map((statement) => row('removed', statement, was)),
        ...after.map((statement) => row('added', statement, now)),
      ];
    }
    return diffStatements(before, after).map((difference) => {
      if (difference.kind === 'changed') return this.changedRow(document, difference.statement, difference.fields, now);
      return row(difference.kind, difference.statement, difference.kind === 'removed' ? (was ?? now) : now);
    });
  }

  private sideContext(document: PolicyDocument, side: 'before' | 'after'): SideContext {
    const { change } = document;
    const inline = INLINE_OWNERS[change.type];
    if (inline !== undefined) {
      const owner = nameAttributeOf(
        this.plan,
        change,
        attributeOf(change, side, [inline.attribute]),
        inline.attribute,
        inline.targetType,
        this.resources,
      );
      return { who: [shownLine(owner, { prefix: inline.attribute })], owner: undefined };
    }
    if (change.type === 'aws_iam_policy') return { who: this.attachedTo(change, side), owner: undefined };
    if (change.type === 'aws_iam_role') {
      const role = shownLine(shownOf(attributeOf(change, side, ['name'])), { prefix: 'role' });
      return document.kind === 'identity' ? { who: [role], owner: undefined } : { who: [], owner: role };
    }
    if (change.type === 'aws_secretsmanager_secret_policy') {
      return {
        who: [],
        owner: shownLine(secretNameOf(this.plan, change, 'secret_arn', side, this.resources), { prefix: 'secret' }),
      };
    }
    return { who: [], owner: undefined };
  }

  /** The roles, users and groups an aws_iam_policy is attached to, by the plan's or the state's attachments. */
  private attachedTo(policy: ResourceChange, side: 'before' | 'after'): Cell {
    const name = knownString(attributeOf(policy, side, ['name']));
    const arn = knownString(attributeOf(policy, side, ['arn']));
    const lines = new Map<string, CellLine>();
    for (const resource of Object.keys(ATTACHMENTS).flatMap((type) => this.resources.ofType(type))) {
      const spec = ATTACHMENTS[resource.type];
      const policyArn = knownString(resource.attribute(['policy_arn']));
      const byValue =
        policyArn !== undefined &&
        (policyArn === arn || (name !== undefined && policyArn.slice(policyArn.lastIndexOf('/') + 1) === name));
      const byReference =
        !byValue &&
        referencedResources(this.plan, resource, 'policy_arn', 'aws_iam_policy', this.resources).some(
          (target) => target.address === policy.address,
        );
      if (!byValue && !byReference) continue;
      const who = nameAttributeOf(
        this.plan,
        resource,
        resource.attribute([spec.attribute]),
        spec.attribute,
        spec.targetType,
        this.resources,
      );
      const kind = resource.change?.kind;
      const note =
        kind === 'create' ? '(attached by this plan)' : kind === 'delete' ? '(detached by this plan)' : undefined;
      const line = shownLine(who, { prefix: spec.attribute });
      const withNote =
        note === undefined ? line : { ...line, text: line.text === undefined ? note : `${line.text} ${note}` };
      lines.set(JSON.stringify(withNote), withNote);
    }
    return lines.size === 0 ? textCell('not attached in this plan or its state') : [...lines.values()];
  }

  private statementRow(
    document: PolicyDocument,
    change: 'added' | 'removed',
    statement: PolicyStatement,
    context: SideContext,
  ): AccessRow {
    const star = STAR_MEANS[document.change.type];
    return {
      change,
      address: document.change.address,
      statement: statementCell(statement, document.label),
      who:
        document.kind === 'identity'
          ? context.who
          : [
              ...codeLines(fieldElements(statement, 'Principal')),
              ...codeLines(fieldElements(statement, 'NotPrincipal'), { prefix: 'not' }),
            ],
      effect: textCell(statement.effect),
      actions: [
        ...codeLines(fieldElements(statement, 'Action')),
        ...codeLines(fieldElements(statement, 'NotAction'), { prefix: 'not' }),
      ],
      on: [
        ...(context.owner === undefined ? [] : [context.owner]),
        ...resourceLines(fieldElements(statement, 'Resource'), star),
        ...codeLines(fieldElements(statement, 'NotResource'), { prefix: 'not' }),
      ],
      conditions: codeLines(fieldElements(statement, 'Condition')),
    };
  }

  private changedRow(
    document: PolicyDocument,
    statement: PolicyStatement,
    fields: readonly FieldChange[],
    context: SideContext,
  ): AccessRow {
    const star = STAR_MEANS[document.change.type];
    const signed = (field: StatementField, extra: Omit<CellLine, 'code' | 'sign'> = {}): CellLine[] => {
      const change = fields.find((candidate) => candidate.field === field);
      if (change === undefined) return [];
      const mark = (values: readonly string[], sign: '+' | '-'): CellLine[] =>
        values.map((value) => ({
          ...extra,
          sign,
          code: value,
          ...(star !== undefined && value === '*' && field === 'Resource' ? { text: star } : {}),
        }));
      return [...mark(change.added, '+'), ...mark(change.removed, '-')];
    };
    const effect = fields.find((candidate) => candidate.field === 'Effect');
    return {
      change: 'changed',
      address: document.change.address,
      statement: statementCell(statement, document.label),
      who:
        document.kind === 'identity'
          ? context.who
          : [...signed('Principal'), ...signed('NotPrincipal', { prefix: 'not' })],
      effect:
        effect === undefined
          ? textCell(statement.effect)
          : [
              ...effect.added.map((text): CellLine => ({ sign: '+', text })),
              ...effect.removed.map((text): CellLine => ({ sign: '-', text })),
            ],
      actions: [...signed('Action'), ...signed('NotAction', { prefix: 'not' })],
      on: [
        ...(context.owner === undefined ? [] : [context.owner]),
        ...signed('Resource'),
        ...signed('NotResource', { prefix: 'not' }),
      ],
      conditions: signed('Condition'),
    };
  }

  attachmentRows(change: ResourceChange, attribute: string, targetType: string): AccessRow[] {
    const side = (which: 'before' | 'after') => ({
      who: nameAttributeOf(
        this.plan,
        change,
        attributeOf(change, which, [attribute]),
        attribute,
        targetType,
        this.resources,
      ),
      policy: shownOf(attributeOf(change, which, ['policy_arn'])),
    });
    const base = {
      address: change.address,
      statement: textCell('(attachment)'),
      effect: [],
      actions: textCell('every statement of the policy'),
      conditions: [],
    };
    if (change.before === null || change.after === null) {
      const values = side(change.after !== null ? 'after' : 'before');
      return [
        {
          ...base,
          change: change.after !== null ? 'added' : 'removed',
          who: [shownLine(values.who, { prefix: attribute })],
          on: [shownLine(values.policy)],
        },
      ];
    }
    const was = side('before');
    const now = side('after');
    if (sameShown(was.who, now.who) && sameShown(was.policy, now.policy)) return [];
    return [
      {
        ...base,
        change: 'changed',
        who: signedPair(was.who, now.who, attribute),
        on: signedPair(was.policy, now.policy),
      },
    ];
  }

  permissionRows(change: ResourceChange): AccessRow[] {
    const value = (which: 'before' | 'after', name: string): Shown => shownOf(attributeOf(change, which, [name]));
    const fields = (which: 'before' | 'after') => ({
      statement: value(which, 'statement_id'),
      principal: value(which, 'principal'),
      action: value(which, 'action'),
      function: value(which, 'function_name'),
      qualifier: value(which, 'qualifier'),
      conditions: PERMISSION_CONDITIONS.map((name) => [name, value(which, name)] as const),
    });
    if (change.before === null || change.after === null) {
      const now = fields(change.after !== null ? 'after' : 'before');
      return [
        {
          change: change.after !== null ? 'added' : 'removed',
          address: change.address,
          statement: [shownLine(now.statement)],
          who: [shownLine(now.principal)],
          effect: textCell('Allow'),
          actions: [shownLine(now.action)],
          on: [
            shownLine(now.function),
            ...(now.qualifier.kind === 'none' ? [] : [shownLine(now.qualifier, { prefix: 'qualifier' })]),
          ],
          conditions: now.conditions
            .filter(([, shown]) => shown.kind !== 'none')
            .map(([name, shown]) => shownLine(shown, { prefix: name })),
        },
      ];
    }
    const was = fields('before');
    const now = fields('after');
    const pairs: [Shown, Shown][] = [
      [was.principal, now.principal],
      [was.action, now.action],
      [was.function, now.function],
      [was.qualifier, now.qualifier],
      ...was.conditions.map(([, shown], position): [Shown, Shown] => [shown, now.conditions[position][1]]),
    ];
    if (pairs.every(([a, b]) => sameShown(a, b))) return [];
    return [
      {
        change: 'changed',
        address: change.address,
        statement: [shownLine(now.statement)],
        who: signedPair(was.principal, now.principal),
        effect: textCell('Allow'),
        actions: signedPair(was.action, now.action),
        on: [...signedPair(was.function, now.function), ...signedPair(was.qualifier, now.qualifier, 'qualifier')],
        conditions: was.conditions.flatMap(([name, shown], position) =>
          signedPair(shown, now.conditions[position][1], name),
        ),
      },
    ];
  }
}

/** The attributes of a Lambda permission that narrow who may invoke. */
const PERMISSION_CONDITIONS = ['source_arn', 'source_account', 'principal_org_id', 'function_url_auth_type'] as const;

/** `+ new` and `- old` when they differ; the value alone when not; nothing when neither has one. */
function signedPair(before: Shown, after: Shown, prefix?: string): CellLine[] {
  const extra = prefix === undefined ? {} : { prefix };
  if (sameShown(before, after)) return before.kind === 'none' ? [] : [shownLine(after, extra)];
  return [
    ...(after.kind === 'none' ? [] : [shownLine(after, { ...extra, sign: '+' })]),
    ...(before.kind === 'none' ? [] : [shownLine(before, { ...extra, sign: '-' })]),
  ];
}

function statementCell(statement: PolicyStatement, label: string): Cell {
  const sid: CellLine = statement.sid === undefined ? { text: '(no Sid)' } : { code: statement.sid };
  return label === 'policy' ? [sid] : [sid, { text: `in ${label}` }];
}

function resourceLines(resources: readonly string[], star: string | undefined): CellLine[] {
  return resources.map((resource) =>
    star !== undefined && resource === '*' ? { code: resource, text: star } : { code: resource },
  );
}

function documentProblem(state: DocumentState): string | undefined {
  if (state.state === 'unknown') return UNKNOWN_POLICY;
  if (state.state !== 'known') return undefined;
  if (state.sensitive) return SENSITIVE_POLICY;
  return state.policy.ok ? undefined : `cannot be reviewed: ${state.policy.problem}`;
}

function statementsOf(state: DocumentState): readonly PolicyStatement[] {
  return state.state === 'known' && state.policy.ok ? state.policy.statements : [];
}

/** Both sides name the same owner; an owner known only after apply is taken to be the same. */
function sameContext(before: SideContext, after: SideContext): boolean {
  const hasUnknown = (context: SideContext) => JSON.stringify(context).includes(UNKNOWN_TEXT);
  if (hasUnknown(before) || hasUnknown(after)) return true;
  return JSON.stringify(before) === JSON.stringify(after);
}
