import { EXIT_CODES, type ExitCode } from './exit-codes';

/** A failure the CLI reports as one message on stderr and an exit code. Messages never hold a secret access key. */
export class CliError extends Error {
  override name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Bad arguments: `hint` says where to read the usage. */
export class UsageError extends CliError {
  override name = 'UsageError';

  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message, EXIT_CODES.usage);
  }
}

export class NotManagedError extends CliError {
  override name = 'NotManagedError';

  constructor(message: string) {
    super(message, EXIT_CODES.notManaged);
  }
}

export class AwsAccessError extends CliError {
  override name = 'AwsAccessError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT_CODES.awsAccess, options);
  }
}

export class CommandFailed extends CliError {
  override name = 'CommandFailed';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT_CODES.failed, options);
  }
}
