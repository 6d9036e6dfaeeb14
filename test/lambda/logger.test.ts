import { createLogger, describeError } from '../../lambda/logger';

describe('logger', () => {
  const capture = (): { lines: Array<Record<string, unknown>>; write: (line: string) => void } => {
    const lines: Array<Record<string, unknown>> = [];
    return { lines, write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) };
  };

  test('writes one JSON object per line with level, message, persistent keys and context', () => {
    // GIVEN
    const { lines, write } = capture();
    const logger = createLogger('info', write);
    logger.appendKeys({ step: 'createSecret', secret: 'arn:secret' });

    // WHEN
    logger.warn('something to know', { outcome: 'noted', detail: { count: 2 } });

    // THEN
    expect(lines).toEqual([
      {
        level: 'warn',
        message: 'something to know',
        timestamp: expect.any(String),
        step: 'createSecret',
        secret: 'arn:secret',
        outcome: 'noted',
        detail: { count: 2 },
      },
    ]);
  });

  test('drops lines below its level', () => {
    // GIVEN
    const { lines, write } = capture();
    const logger = createLogger('warn', write);

    // WHEN
    logger.debug('d');
    logger.info('i');
    logger.error('e');

    // THEN
    expect(lines.map((line) => line.message)).toEqual(['e']);
  });

  test('redacts fields that could carry key material, at any depth', () => {
    // GIVEN
    const { lines, write } = capture();
    const logger = createLogger('info', write);

    // WHEN
    logger.info('oops', {
      secretkey: 'a',
      response: { AccessKey: { AccessKeyId: 'AKIA1', SecretAccessKey: 'b' } },
      input: { SecretString: 'c', SecretBinary: 'd' },
      credentials: { sessionToken: 'e' },
    });

    // THEN
    expect(lines[0]).toMatchObject({
      secretkey: '[redacted]',
      response: { AccessKey: { AccessKeyId: 'AKIA1', SecretAccessKey: '[redacted]' } },
      input: { SecretString: '[redacted]', SecretBinary: '[redacted]' },
      credentials: { sessionToken: '[redacted]' },
    });
  });

  test('logs errors as name and message with their causes, never stacks', () => {
    // GIVEN
    const { lines, write } = capture();
    const logger = createLogger('info', write);
    const error = new TypeError('outer', { cause: new RangeError('inner') });

    // WHEN
    logger.error('failed', { error });

    // THEN
    expect(lines[0].error).toEqual({
      name: 'TypeError',
      message: 'outer',
      cause: { name: 'RangeError', message: 'inner' },
    });
  });

  test('describes a thrown non-Error by its type and text', () => {
    expect(describeError('boom')).toEqual({ name: 'string', message: 'boom' });
  });

  test('writes to console.log by default', () => {
    // GIVEN
    const consoleLog = jest.spyOn(console, 'log').mockImplementation(() => undefined);

    // WHEN
    createLogger().info('hello');

    // THEN
    expect(JSON.parse(String(consoleLog.mock.calls[0][0]))).toMatchObject({ level: 'info', message: 'hello' });
    consoleLog.mockRestore();
  });
});
