import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { USER_TAG_KEY } from '../../../core/contract';
import { decide } from '../../../core/sweep/decide';
import { bySeverity, day, type Finding, formatFinding } from '../../../core/sweep/findings';
import { inspectSecret } from '../../../core/sweep/inspect';
import { listManagedSecrets, type ManagedSecret } from '../../../core/sweep/managed-secret-list';
import { explainAwsError, isAccessProblem } from '../../aws-errors';
import { clientConfig, LazyClient } from '../../aws-settings';
import type { CommandInput } from '../../command';
import { EXIT_CODES, type ExitCode } from '../../exit-codes';
import type { CliIo } from '../../io';
import {
  bindingProblemOf,
  coversSecret,
  RotationFunctionSettings,
  type StackSettings,
} from '../../rotation-function-settings';
import { renderTable } from '../../text-table';
import { describeFindings, describeLastUse, describePreviousKey, statusRow, type StatusRow } from './status-row';

/** Secrets inspected at once, as the sweep does: quick for hundreds, gentle on IAM's throttling. */
const CONCURRENCY = 4;
/** Fewer secrets than this finish before anyone wonders: no progress line. */
const PROGRESS_FROM_SECRETS = 20;

export async function runStatus({ args, aws, io }: CommandInput): Promise<ExitCode> {
  const prefixes = args.values.get('stack-prefix') ?? [];
  const secretsManager = new LazyClient(() => new SecretsManagerClient(clientConfig(aws)));
  const iam = new LazyClient(() => new IAMClient(clientConfig(aws)));
  const lambda = new LazyClient(() => new LambdaClient(clientConfig(aws)));
  try {
    let tagged: ManagedSecret[];
    try {
      tagged = await listManagedSecrets(secretsManager.get(), () => true);
    } catch (error) {
      throw explainAwsError(error, `listing the secrets tagged ${USER_TAG_KEY} (ListSecrets)`);
    }
    const selected = tagged.filter(
      (secret) => prefixes.length === 0 || prefixes.some((prefix) => secret.name.startsWith(prefix)),
    );
    const functions = new RotationFunctionSettings(() => lambda.get());
    const notes = new Set<string>();
    const managed: { secret: ManagedSecret; settings: StackSettings }[] = [];
    let outsideBoundary = 0;
    let withoutFunction = 0;
    for (const secret of selected) {
      if (secret.rotationLambdaArn === undefined) {
        withoutFunction += 1;
        continue;
      }
      const settings = await functions.of(secret.rotationLambdaArn);
      if (settings.note !== undefined) notes.add(settings.note);
      if (!coversSecret(settings, secret.arn)) {
        outsideBoundary += 1;
        continue;
      }
      // A blank tag is reported as a finding (user-tag-blank), as the sweep does.
      const unbound = secret.userName === '' ? undefined : bindingProblemOf(settings, secret.name, secret.userName);
      if (unbound === undefined) managed.push({ secret, settings });
      else notes.add(`secret ${secret.name} is not managed, not shown: ${unbound}`);
    }
    if (outsideBoundary > 0) {
      notes.add(
        `${outsideBoundary} secret(s) carry the ${USER_TAG_KEY} tag but are outside their rotation function's MANAGED_SECRETS: not shown`,
      );
    }
    if (withoutFunction > 0)
      notes.add(`${withoutFunction} secret(s) carry the ${USER_TAG_KEY} tag but have no rotation function: not shown`);

    const rows = await inspectAll(managed, { secretsManager: secretsManager.get(), iam: iam.get() }, io);
    for (const note of notes) io.stderr(`note: ${note}\n`);
    if (args.flags.has('json')) {
      io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    } else {
      printHuman(rows, prefixes, io);
    }
    return rows.some((row) => row.findings.some((finding) => finding.severity === 'error'))
      ? EXIT_CODES.failed
      : EXIT_CODES.ok;
  } finally {
    secretsManager.destroy();
    iam.destroy();
    lambda.destroy();
  }
}

/** Inspects every secret (reads only) and judges it with the sweep's decide() at this moment. */
async function inspectAll(
  managed: readonly { secret: ManagedSecret; settings: StackSettings }[],
  clients: Parameters<typeof inspectSecret>[0],
  io: CliIo,
): Promise<StatusRow[]> {
  const rows = new Array<StatusRow>(managed.length);
  const showProgress = io.stderrIsTTY && managed.length >= PROGRESS_FROM_SECRETS;
  let next = 0;
  let checked = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < managed.length; index = next++) {
      const { secret, settings } = managed[index];
      rows[index] = await inspectOne(secret, settings, clients, io.now());
      checked += 1;
      if (showProgress) io.progress(`checked ${checked}/${managed.length}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    if (showProgress) io.progress(undefined);
  }
  return rows;
}

async function inspectOne(
  secret: ManagedSecret,
  settings: StackSettings,
  clients: Parameters<typeof inspectSecret>[0],
  now: number,
): Promise<StatusRow> {
  try {
    const inspection = await inspectSecret(clients, secret, settings.previousKeyPolicy);
    return statusRow(inspection, decide(inspection, now), now);
  } catch (error) {
    // Credentials or access problems concern every secret: the command's error. Anything else is this secret's.
    if (isAccessProblem(error)) throw explainAwsError(error, `checking secret ${secret.name}`);
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const finding: Finding = {
      code: 'check-failed',
      severity: 'error',
      secret: secret.name,
      user: secret.userName,
      message: `Could not check the secret (${message}). Try again; if it persists, check your permissions on the secret and the user.`,
    };
    return {
      secret: secret.name,
      arn: secret.arn,
      user: secret.userName,
      rotationEnabled: secret.rotationEnabled,
      previousKeyPolicy: { ...settings.previousKeyPolicy, source: 'stack' },
      currentKey: null,
      lastRotatedDate: secret.lastRotatedDate?.toISOString() ?? null,
      nextRotationDate: secret.nextRotationDate?.toISOString() ?? null,
      previousKey: null,
      findings: [finding],
    };
  }
}

function printHuman(rows: readonly StatusRow[], prefixes: readonly string[], io: CliIo): void {
  if (rows.length === 0) {
    const under = prefixes.length === 0 ? '' : ` named under ${prefixes.join(', ')}`;
    io.stdout(`No managed secrets${under} (secrets tagged ${USER_TAG_KEY} that a rotation function manages).\n`);
    return;
  }
  const date = (iso: string | null): string => (iso === null ? '-' : day(new Date(iso)));
  const table = renderTable(
    [
      'secret',
      'user',
      'current key',
      'age',
      'last rotated',
      'next rotation',
      'previous key',
      'previous key last used',
      'findings',
    ],
    rows.map((row) => [
      row.secret,
      row.user,
      row.currentKey?.id ?? 'none',
      row.currentKey?.ageDays === null || row.currentKey === null ? '-' : `${row.currentKey.ageDays}d`,
      date(row.lastRotatedDate),
      row.rotationEnabled ? date(row.nextRotationDate) : 'rotation off',
      describePreviousKey(row),
      describeLastUse(row),
      describeFindings(row.findings),
    ]),
  );
  const findings = rows.flatMap((row) => row.findings).sort(bySeverity);
  const policies = [...new Set(rows.map((row) => policyText(row)))];
  io.stdout(`${table.join('\n')}\n\nprevious-key policy: ${policies.join('; ')}\n`);
  io.stdout(
    findings.length === 0
      ? '\nNo findings.\n'
      : `\nFindings:\n${findings.map((finding) => `  ${formatFinding(finding)}`).join('\n')}\n`,
  );
}

function policyText(row: StatusRow): string {
  const { action, graceDays, inUse, source } = row.previousKeyPolicy;
  const detail = action === 'deactivate-after-grace' ? ` (${graceDays} days, in use: ${inUse})` : '';
  return `${action}${detail}${source === 'secret tag' ? ` for ${row.user} (its tag)` : ''}`;
}
