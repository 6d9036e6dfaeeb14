import * as errors from '../../lambda/errors';

const ERROR_CLASSES = Object.entries(errors).filter(
  (entry): entry is [string, typeof errors.RotationError] =>
    typeof entry[1] === 'function' && (entry[1] === errors.RotationError || entry[1].prototype instanceof errors.RotationError),
);

describe('RotationError family', () => {
  test('covers every failure class the function raises', () => {
    expect(ERROR_CLASSES.map(([name]) => name).sort()).toEqual([
      'AttemptInProgressError',
      'ConfigurationError',
      'InvalidEventError',
      'InvalidSecretError',
      'KeyTestFailedError',
      'MissingUserTagError',
      'RotationError',
      'RotationNotEnabledError',
      'UnknownVersionError',
      'UnmanagedKeyError',
      'UserMismatchError',
      'UserNotFoundError',
      'VersionNotPendingError',
    ]);
  });

  test.each(ERROR_CLASSES)('%s names itself (minification-proof), is an Error and keeps its cause', (className, ErrorClass) => {
    // GIVEN
    const cause = new Error('underlying');

    // WHEN
    const error = new ErrorClass({ secretId: 'arn:secret', step: 'testSecret', token: 'v1' }, 'what is wrong', { cause });

    // THEN
    expect(error.name).toBe(className);
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(errors.RotationError);
    expect(error.message).toBe('testSecret for secret arn:secret (version v1): what is wrong');
    if (className !== 'UnmanagedKeyError') {
      expect(error.cause).toBe(cause);
    }
  });

  test('a scope with nothing known still reads well', () => {
    expect(errors.describeScope({})).toBe('rotation');
  });
});
