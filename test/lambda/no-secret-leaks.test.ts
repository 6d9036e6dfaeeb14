import { inspect } from 'node:util';
import { DeleteAccessKeyCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { handler } from '../../lambda/index';
import {
  accessKey,
  DURING_ATTEMPT,
  CURRENT_KEY_ID,
  CURRENT_SECRET_KEY,
  currentValue,
  givenKeys,
  givenSecret,
  NEW_SECRET_KEY,
  OTHER_KEY_ID,
  pendingValue,
  PREVIOUS_KEY_ID,
  rotationEvent,
  stsError,
  USER_ARN,
  useAwsMocks,
  type AwsMocks,
  lambdaContext,
  MANAGED_SECRETS,
} from './helpers';

interface Scenario {
  readonly name: string;
  readonly step: string;
  readonly env?: Record<string, string>;
  readonly arrange: (mocks: AwsMocks) => void;
}

const SECRET_KEYS = [CURRENT_SECRET_KEY, NEW_SECRET_KEY];

const SCENARIOS: Scenario[] = [
  {
    name: 'createSecret creates and stores a key',
    step: 'createSecret',
    arrange: (mocks) => {
      givenSecret(mocks, { current: currentValue({ masterarn: 'arn:aws:secretsmanager:us-east-1:1:secret:m' }) });
      givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(OTHER_KEY_ID, { created: DURING_ATTEMPT })]);
    },
  },
  {
    name: 'createSecret is retried',
    step: 'createSecret',
    arrange: (mocks) => {
      givenSecret(mocks, { current: currentValue(), pending: pendingValue() });
      givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);
    },
  },
  {
    name: 'createSecret cannot store the key nor delete it',
    step: 'createSecret',
    arrange: (mocks) => {
      givenSecret(mocks, { current: currentValue() });
      givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);
      mocks.secretsManager.on(PutSecretValueCommand).rejects(new Error('Service unavailable'));
      mocks.iam.on(DeleteAccessKeyCommand).rejects(new Error('Throttling'));
    },
  },
  {
    name: 'createSecret reads an AWSCURRENT value that is not JSON',
    step: 'createSecret',
    arrange: (mocks) => {
      givenSecret(mocks, { current: `{"username":"alice","secretkey":"${CURRENT_SECRET_KEY}"` });
      givenKeys(mocks, []);
    },
  },
  {
    name: 'createSecret reads a non-string username',
    step: 'createSecret',
    arrange: (mocks) => {
      givenSecret(mocks, { current: currentValue({ username: [CURRENT_SECRET_KEY] }) });
      givenKeys(mocks, []);
    },
  },
  {
    name: 'createSecret reads an AWSCURRENT value naming another user',
    step: 'createSecret',
    arrange: (mocks) => {
      givenSecret(mocks, { current: currentValue({ username: 'mallory' }) });
      givenKeys(mocks, []);
    },
  },
  {
    name: 'createSecret meets an unmanaged key and an unreadable AWSPREVIOUS value',
    step: 'createSecret',
    arrange: (mocks) => {
      givenSecret(mocks, {
        current: currentValue(),
        previous: `{"accesskey":"${PREVIOUS_KEY_ID}","secretkey":"${CURRENT_SECRET_KEY}"`,
      });
      givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(PREVIOUS_KEY_ID)]);
    },
  },
  {
    name: 'testSecret succeeds after retries',
    step: 'testSecret',
    arrange: (mocks) => {
      givenSecret(mocks, { current: currentValue(), pending: pendingValue() });
      mocks.sts.on(GetCallerIdentityCommand).rejectsOnce(stsError('SignatureDoesNotMatch')).resolves({ Arn: USER_ARN });
    },
  },
  {
    name: 'testSecret runs out of budget',
    step: 'testSecret',
    env: { TEST_BUDGET_MS: '1' },
    arrange: (mocks) => {
      givenSecret(mocks, { pending: pendingValue() });
      mocks.sts.on(GetCallerIdentityCommand).rejects(stsError('InvalidClientTokenId'));
    },
  },
  {
    name: 'testSecret authenticates as another user',
    step: 'testSecret',
    arrange: (mocks) => {
      givenSecret(mocks, { pending: pendingValue() });
      mocks.sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:iam::123456789012:user/bob' });
    },
  },
  {
    name: 'testSecret reads a pending value naming another user',
    step: 'testSecret',
    arrange: (mocks) => givenSecret(mocks, { pending: pendingValue({ username: 'mallory' }) }),
  },
  {
    name: 'testSecret reads a pending value that is not JSON',
    step: 'testSecret',
    arrange: (mocks) => givenSecret(mocks, { pending: `{"secretkey":"${NEW_SECRET_KEY}"}}` }),
  },
  {
    name: 'finishSecret keeps the previous key',
    step: 'finishSecret',
    arrange: (mocks) => {
      givenSecret(mocks, { current: currentValue(), pending: pendingValue() });
      givenKeys(mocks, []);
    },
  },
  {
    name: 'finishSecret cannot deactivate the previous key',
    step: 'finishSecret',
    env: { PREVIOUS_KEY_ACTION: 'deactivate' },
    arrange: (mocks) => {
      givenSecret(mocks, { current: currentValue(), pending: pendingValue() });
      givenKeys(mocks, []);
      mocks.iam.on(UpdateAccessKeyCommand).rejects(new Error('Throttling'));
    },
  },
  {
    name: 'finishSecret reads an AWSCURRENT value that is not JSON',
    step: 'finishSecret',
    env: { PREVIOUS_KEY_ACTION: 'deactivate' },
    arrange: (mocks) => {
      givenSecret(mocks, { current: `${CURRENT_SECRET_KEY}`, pending: pendingValue() });
      givenKeys(mocks, []);
    },
  },
];

/** Everything an error can show: message, stack, causes, own properties. */
const everythingAbout = (error: unknown): string =>
  [String(error), error instanceof Error ? error.stack : '', inspect(error, { depth: 10, showHidden: true })].join(
    '\n',
  );

describe('no secret access key leaks', () => {
  const mocks = useAwsMocks();
  let written: string[];
  let spies: jest.SpyInstance[];

  beforeEach(() => {
    written = [];
    const capture = (...parts: unknown[]): void => {
      written.push(parts.map((part) => (typeof part === 'string' ? part : inspect(part, { depth: 10 }))).join(' '));
    };
    spies = [
      ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
        jest.spyOn(console, method).mockImplementation(capture),
      ),
      jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
        capture(String(chunk));
        return true;
      }),
      jest.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
        capture(String(chunk));
        return true;
      }),
    ];
    process.env.LOG_LEVEL = 'debug';
    process.env.MANAGED_SECRETS = MANAGED_SECRETS;
    // The budget scenario really sleeps; keep it to one retry.
    process.env.TEST_BUDGET_MS = '600';
  });
  afterEach(() => {
    for (const spy of spies) {
      spy.mockRestore();
    }
    delete process.env.LOG_LEVEL;
    delete process.env.TEST_BUDGET_MS;
    delete process.env.PREVIOUS_KEY_ACTION;
    delete process.env.MANAGED_SECRETS;
  });

  test.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))('%s', async (_name, scenario) => {
    // GIVEN
    scenario.arrange(mocks);
    Object.assign(process.env, scenario.env);

    // WHEN
    let thrown = '';
    try {
      await handler(rotationEvent(scenario.step), lambdaContext());
    } catch (error) {
      thrown = everythingAbout(error);
    }

    // THEN the scenario ran and said something, but never a secret key
    expect(written.length).toBeGreaterThan(0);
    for (const secretKey of SECRET_KEYS) {
      expect(written.join('\n')).not.toContain(secretKey);
      expect(thrown).not.toContain(secretKey);
    }
  });
});
