// Tiny Lambda functions for the harness self-tests, zipped in memory. They load the AWS SDK from
// this repository's node_modules by absolute path (the real function bundles it).
import { zipSync, strToU8 } from 'fflate';

const sdk = (name: string): string => JSON.stringify(require.resolve(`@aws-sdk/${name}`));

/** Calls STS GetCallerIdentity back through the emulator and reports what it saw. */
export const CALLER_IDENTITY_FUNCTION = `
const { STSClient, GetCallerIdentityCommand } = require(${sdk('client-sts')});
exports.handler = async (event) => {
  console.log('event', JSON.stringify(event));
  if (event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
  const identity = await new STSClient({}).send(new GetCallerIdentityCommand({}));
  return {
    arn: identity.Arn,
    greeting: process.env.GREETING,
    endpoint: process.env.AWS_ENDPOINT_URL,
    region: process.env.AWS_REGION,
    maxAttempts: process.env.AWS_MAX_ATTEMPTS ?? null,
  };
};
`;

/**
 * A minimal four-step rotation: the value of each version is {"version": token}. Set FAIL_STEP to
 * a step name to make that step throw.
 */
export const ROTATION_FUNCTION = `
const sm = require(${sdk('client-secrets-manager')});
const client = new sm.SecretsManagerClient({});

exports.handler = async ({ Step: step, SecretId: secretId, ClientRequestToken: token }) => {
  console.log(JSON.stringify({ step, token }));
  if (process.env.FAIL_STEP === step) {
    const error = new Error('failing ' + step + ' on purpose');
    error.name = 'TestStepError';
    throw error;
  }
  const stages = (await client.send(new sm.DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages ?? {};
  if ((stages[token] ?? []).includes('AWSCURRENT')) return;
  if (!(stages[token] ?? []).includes('AWSPENDING')) throw new Error('version ' + token + ' is not AWSPENDING');
  if (step === 'createSecret') {
    await client.send(new sm.PutSecretValueCommand({
      SecretId: secretId, ClientRequestToken: token, VersionStages: ['AWSPENDING'],
      SecretString: JSON.stringify({ version: token }),
    }));
  } else if (step === 'finishSecret') {
    const current = Object.keys(stages).find((id) => stages[id].includes('AWSCURRENT'));
    await client.send(new sm.UpdateSecretVersionStageCommand({
      SecretId: secretId, VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: current,
    }));
    await client.send(new sm.UpdateSecretVersionStageCommand({
      SecretId: secretId, VersionStage: 'AWSPENDING', RemoveFromVersionId: token,
    }));
  }
};
`;

export function zipHandler(source: string, fileName = 'index.js'): Uint8Array {
  return zipSync({ [fileName]: strToU8(source) });
}

/** Describes each secret of `event.secretIds` with the function's role: `ok`, or the error's name. */
export const DESCRIBE_SECRETS_FUNCTION = `
const sm = require(${sdk('client-secrets-manager')});
const client = new sm.SecretsManagerClient({ maxAttempts: 1 });
exports.handler = async ({ secretIds }) => {
  const outcomes = [];
  for (const secretId of secretIds) {
    try {
      await client.send(new sm.DescribeSecretCommand({ SecretId: secretId }));
      outcomes.push('ok');
    } catch (error) {
      outcomes.push(error.name);
    }
  }
  return outcomes;
};
`;

/** Reports its clock before and after a signed STS call (the emulator may move it: HARNESS_CLOCK_OFFSET_MS). */
export const CLOCK_FUNCTION = `
const { STSClient, GetCallerIdentityCommand } = require(${sdk('client-sts')});
exports.handler = async () => {
  const now = Date.now();
  const newDate = new Date().getTime();
  const identity = await new STSClient({ maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));
  return { now, newDate, fromValue: new Date(0).getTime(), arn: identity.Arn, nowAfterCall: Date.now() };
};
`;

/**
 * Counts its invocations in module scope and reports its process: a warm process (reuseFunctionProcesses) keeps
 * counting. `sleepMs` waits first, `fail` throws.
 */
export const WARM_COUNTER_FUNCTION = `
let invocations = 0;
exports.handler = async (event, context) => {
  invocations += 1;
  console.log('invocation ' + invocations + ' of process ' + process.pid);
  if (event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
  if (event.fail) throw new Error('failing invocation ' + invocations + ' on purpose');
  return { pid: process.pid, invocations, remainingMs: context.getRemainingTimeInMillis(), extra: process.env.EXTRA ?? null };
};
`;
