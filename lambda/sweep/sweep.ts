import { UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { PublishCommand } from '@aws-sdk/client-sns';
import { type PreviousKeyPolicy, SWEEP_METRIC } from '../../core/contract';
import { isNoSuchEntity, isThrottling } from '../../core/aws-errors';
import { DEFAULT_LOG_LEVEL, loadFunctionSettings, type Environment } from '../../core/function-settings';
import type { Dependencies } from '../dependencies';
import type { RotationScope } from '../../core/errors';
import { invocationDeadline, ownFunctionArn, type InvocationContext } from '../invocation-context';
import { dependenciesForSecret } from '../grant-role-clients';
import { describeError } from '../logger';
import { bindingProblem, BINDING_RULE, isManagedSecret, type ManagedSecrets } from '../../core/managed-secrets';
import { decide, type Deactivation } from '../../core/sweep/decide';
import { assertSweepEvent } from './event';
import { type Finding, formatFinding, notificationMessages } from '../../core/sweep/findings';
import { inspectSecret } from '../../core/sweep/inspect';
import { listManagedSecrets, type ManagedSecret } from '../../core/sweep/managed-secret-list';

/**
 * Secrets checked at once: enough to finish a whole account's 5,000 in minutes, few enough that IAM's throttling
 * (absorbed by the clients' adaptive retries) stays rare.
 */
const CONCURRENCY = 8;
/** Stop starting secrets this long before the function's timeout, so the report still goes out. */
const DEADLINE_MARGIN_MS = 20_000;

/** What the sweep returns (the invocation's result): counts, no key material. */
export interface SweepSummary {
  readonly secrets: number;
  readonly checked: number;
  readonly deactivated: number;
  readonly errors: number;
  readonly warnings: number;
  readonly notices: number;
  readonly findings: readonly Finding[];
  readonly notificationsPublished: number;
}

const SCOPE: RotationScope = { step: 'sweep' };

/**
 * The daily sweep: brings every managed secret (the stack's, per MANAGED_SECRETS, carrying the user tag) to its
 * previous-key policy's state, and reports what needs a person. One secret's failure is a finding, not the end of the
 * sweep. Findings are logged, and published to NOTIFICATION_TOPIC_ARN when set; a completed sweep emits SWEEP_METRIC.
 * @throws InvalidEventError unless the event is exactly SWEEP_EVENT; ConfigurationError (bad environment or context);
 * AWS errors of ListSecrets and of publishing. Every failure is logged first.
 */
export async function sweep(
  event: unknown,
  deps: Dependencies,
  env: Environment,
  context?: InvocationContext,
): Promise<SweepSummary> {
  const { logger, clock } = deps;
  const deadline = invocationDeadline(clock.now(), context);
  logger.resetKeys();
  logger.setLevel(DEFAULT_LOG_LEVEL);
  logger.appendKeys({ step: 'sweep' });
  try {
    assertSweepEvent(event);
    const config = loadFunctionSettings(env, SCOPE);
    logger.setLevel(config.logLevel);
    const functionArn = ownFunctionArn(context, SCOPE);
    const functionName = functionArn.resource.replace(/^function:/, '');
    const secrets = await listManagedSecrets(deps.secretsManager, (arn) =>
      isManagedSecret(arn, config.managedSecrets, functionArn),
    );
    logger.info('sweep started', { secrets: secrets.length });

    const findings: Finding[] = [];
    let deactivated = 0;
    let checked = 0;
    const queue = [...secrets];
    const worker = async (): Promise<void> => {
      for (let secret = queue.shift(); secret !== undefined; secret = queue.shift()) {
        if (clock.now() > deadline - DEADLINE_MARGIN_MS) {
          queue.unshift(secret);
          return;
        }
        const unbound = unboundSecretFinding(secret, config.managedSecrets);
        const outcome =
          unbound === undefined
            ? await sweepSecret(
                dependenciesForSecret(deps, config.grantRoles, secret.arn, functionArn),
                secret,
                config.previousKeyPolicy,
              )
            : { findings: [unbound], deactivated: false };
        findings.push(...outcome.findings);
        if (outcome.deactivated) deactivated += 1;
        checked += 1;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    if (queue.length > 0) {
      findings.push({
        code: 'sweep-incomplete',
        severity: 'error',
        secret: functionArn.resource,
        user: '',
        message: `The sweep ran out of time with ${queue.length} of ${secrets.length} secrets unchecked (${queue
          .slice(0, 3)
          .map((secret) => secret.name)
          .join(', ')}${queue.length > 3 ? ', ...' : ''}). Split the users across more stacks.`,
      });
    }

    for (const finding of findings) {
      const log =
        finding.severity === 'error' ? logger.error : finding.severity === 'warning' ? logger.warn : logger.info;
      log('sweep finding', {
        finding: formatFinding(finding),
        code: finding.code,
        secret: finding.secret,
        user: finding.user,
      });
    }
    const where = `${functionName} (account ${functionArn.account}, ${functionArn.region})`;
    const messages = notificationMessages(findings, where, clock.now());
    if (config.notificationTopicArn !== undefined) {
      for (const message of messages) {
        await deps.sns.send(
          new PublishCommand({
            TopicArn: config.notificationTopicArn,
            Subject: message.subject,
            Message: message.body,
            MessageAttributes: { severity: { DataType: 'String', StringValue: message.severity } },
          }),
        );
      }
    } else if (messages.length > 0) {
      logger.warn('no notification topic is set (NOTIFICATION_TOPIC_ARN): the findings are only in this log');
    }

    const count = (severity: Finding['severity']): number =>
      findings.filter((finding) => finding.severity === severity).length;
    const summary: SweepSummary = {
      secrets: secrets.length,
      checked,
      deactivated,
      errors: count('error'),
      warnings: count('warning'),
      notices: count('info'),
      findings,
      notificationsPublished: config.notificationTopicArn === undefined ? 0 : messages.length,
    };
    deps.writeMetric(sweepMetricLine(functionName, summary, clock.now()));
    logger.info('sweep completed', { ...summary, findings: findings.length, outcome: 'succeeded' });
    return summary;
  } catch (error) {
    logger.error('sweep failed', { outcome: 'failed', error: describeError(error) });
    throw error;
  }
}

/**
 * A secret under the prefix that does not bind the user its tag names is skipped before any value is read or IAM is
 * called: someone else made it, and its versions could name a managed user's real keys. A blank tag is left to decide().
 */
function unboundSecretFinding(secret: ManagedSecret, managed: ManagedSecrets): Finding | undefined {
  const problem = secret.userName === '' ? undefined : bindingProblem(secret.name, secret.userName, managed);
  if (problem === undefined) return undefined;
  return {
    code: 'secret-unbound',
    severity: 'error',
    secret: secret.name,
    user: secret.userName,
    message:
      `The secret is not the stack's secret for user ${secret.userName} (${problem}; ${BINDING_RULE}), so the sweep skipped it and the function refuses to rotate it. ` +
      'The stack did not make it: find out who did (CloudTrail CreateSecret) and delete it.',
  };
}

/** One secret: inspect, decide, deactivate if decided. Any failure becomes a finding. */
async function sweepSecret(
  deps: Dependencies,
  secret: ManagedSecret,
  stackPolicy: PreviousKeyPolicy,
): Promise<{ findings: readonly Finding[]; deactivated: boolean }> {
  let decision;
  try {
    decision = decide(await inspectSecret(deps, secret, stackPolicy), deps.clock.now());
  } catch (error) {
    const { name, message } = describeError(error);
    const cause = `${String(name)}: ${String(message)}`;
    const advice = isThrottling(error)
      ? `AWS throttled the sweep's calls even after the SDK's retries; nothing was changed. If this recurs, other work shares the account's request quota at the sweep's hour (sweepHourUtc).`
      : `The role may read only the secrets of the stack's config: if the config does not list user ${secret.userName}, the secret was made outside the stack (delete it, or add the user); otherwise check the rotation role's permissions.`;
    return {
      findings: [
        {
          code: 'check-failed',
          severity: 'error',
          secret: secret.name,
          user: secret.userName,
          message: `The sweep could not check the secret (${cause}). ${advice} The next sweep tries again.`,
        },
      ],
      deactivated: false,
    };
  }
  if (decision.deactivate === undefined) return { findings: decision.findings, deactivated: false };
  const outcome = await deactivate(deps, decision.deactivate);
  return { findings: [...decision.findings, outcome], deactivated: outcome === decision.deactivate.finding };
}

async function deactivate({ iam, logger }: Dependencies, deactivation: Deactivation): Promise<Finding> {
  const { accessKeyId, userName, finding } = deactivation;
  try {
    await iam.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: 'Inactive' }));
    logger.info('deactivated the previous key', {
      user: userName,
      previousAccessKeyId: accessKeyId,
      code: finding.code,
    });
    return finding;
  } catch (error) {
    if (isNoSuchEntity(error)) {
      return {
        ...finding,
        severity: 'info',
        message: 'The previous key was deleted before the sweep could deactivate it. Nothing to do.',
      };
    }
    const { name, message } = describeError(error);
    return {
      code: 'deactivation-failed',
      severity: 'error',
      secret: finding.secret,
      user: userName,
      message: `Could not deactivate the previous key (${String(name)}: ${String(message)}), so it stays Active. The next sweep retries${isThrottling(error) ? " (IAM throttled the call even after the SDK's retries)" : "; check the rotation role's permissions"}.`,
    };
  }
}

/** CloudWatch embedded metric format: Lambda's log delivery turns this line into SWEEP_METRIC, with no API call. */
function sweepMetricLine(functionName: string, summary: SweepSummary, now: number): string {
  return JSON.stringify({
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: SWEEP_METRIC.namespace,
          Dimensions: [[SWEEP_METRIC.dimension]],
          Metrics: [
            { Name: SWEEP_METRIC.completed, Unit: 'Count' },
            { Name: 'SweepErrors', Unit: 'Count' },
            { Name: 'SweepWarnings', Unit: 'Count' },
          ],
        },
      ],
    },
    [SWEEP_METRIC.dimension]: functionName,
    [SWEEP_METRIC.completed]: 1,
    SweepErrors: summary.errors,
    SweepWarnings: summary.warnings,
  });
}
