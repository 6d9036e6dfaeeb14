import { sdkRetrySettings } from '../../lambda/retry-mode';

type Clients = typeof import('../../lambda/clients');

/** lambda/clients.ts loaded afresh with `retryMode` as AWS_RETRY_MODE (undefined: unset). */
function loadClients(retryMode: string | undefined): Clients {
  const saved = process.env.AWS_RETRY_MODE;
  if (retryMode === undefined) delete process.env.AWS_RETRY_MODE;
  else process.env.AWS_RETRY_MODE = retryMode;
  try {
    let clients: Clients | undefined;
    jest.isolateModules(() => {
      clients = jest.requireActual<Clients>('../../lambda/clients');
    });
    return clients!;
  } finally {
    if (saved === undefined) delete process.env.AWS_RETRY_MODE;
    else process.env.AWS_RETRY_MODE = saved;
  }
}

/** The retry mode each of the function's clients uses, the key-test client included. */
async function modesOf(clients: Clients): Promise<string[]> {
  const sts = clients.createStsClient({ accessKeyId: 'AKIAEXAMPLEEXAMPLE01', secretAccessKey: 'not-a-secret' });
  const all = [clients.secretsManagerClient, clients.iamClient, clients.snsClient, sts];
  // Both of the SDK's strategy interfaces: the ones it makes for a retry mode carry that mode.
  const modeOf = (strategy: object): string =>
    'mode' in strategy && typeof strategy.mode === 'string' ? strategy.mode : 'unknown';
  const modes = await Promise.all(all.map(async (client) => modeOf(await client.config.retryStrategy())));
  for (const client of all) client.destroy();
  return modes;
}

describe("the SDK clients' retries", () => {
  test('adaptive unless the environment sets AWS_RETRY_MODE', () => {
    expect(sdkRetrySettings({})).toEqual({ retryMode: 'adaptive' });
    expect(sdkRetrySettings({ AWS_RETRY_MODE: ' ' })).toEqual({ retryMode: 'adaptive' });
    expect(sdkRetrySettings({ AWS_RETRY_MODE: 'standard' })).toEqual({});
  });

  test('every client of the function retries adaptively by default, rate-limiting itself once a service throttles', async () => {
    expect(await modesOf(loadClients(undefined))).toEqual(['adaptive', 'adaptive', 'adaptive', 'adaptive']);
  });

  test("AWS_RETRY_MODE in the function's environment wins", async () => {
    expect(await modesOf(loadClients('standard'))).toEqual(['standard', 'standard', 'standard', 'standard']);
  });
});
