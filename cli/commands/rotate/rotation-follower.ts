import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { explainAwsError } from '../../aws-errors';
import { CommandFailed } from '../../errors';
import type { CliIo } from '../../io';
import type { ResolvedSecret } from '../../managed-secret';
import type { RotateClients } from './clients';
import { maskKeyIds, type RotationLog, type RotationLogLine } from './rotation-log';
import { CURRENT } from '../../../core/secret/stages';

const POLL_INTERVAL_MS = 2_000;

/** Follows one rotation: prints the function's log lines for it, until its version is AWSCURRENT or a step fails. */
export class RotationFollower {
  private logProblemShown = false;
  private lastStep: string | undefined;

  constructor(
    private readonly secret: ResolvedSecret,
    private readonly token: string,
    private readonly log: RotationLog,
    private readonly clients: RotateClients,
    private readonly io: CliIo,
  ) {}

  /** @throws CommandFailed when a step failed, RotateSecret was refused, or the deadline passed. */
  async follow(deadline: number, refusal: string | undefined): Promise<void> {
    for (;;) {
      const finished = refusal === undefined && (await this.isCurrent());
      const failed = (await this.printNewLines()).find((line) => line.outcome === 'failed');
      if (finished) return;
      if (failed !== undefined) throw this.failure(failed.step, failed.error ?? failed.message);
      if (refusal !== undefined)
        throw this.failure(/step (\w+) failed/.exec(refusal)?.[1] ?? this.lastStep, maskKeyIds(refusal));
      if (this.io.now() >= deadline) {
        throw new CommandFailed(
          `the rotation of ${this.secret.name} (version ${this.token}) did not finish in time${this.lastStep === undefined ? '' : `; its last step was ${this.lastStep}`}. ` +
            `It may still finish: check with 'iam-key-rotation status', or follow it again with 'iam-key-rotation rotate ${this.secret.name}' ` +
            `(it retries the unfinished rotation). The current key still works.`,
        );
      }
      await this.io.sleep(POLL_INTERVAL_MS);
    }
  }

  async skipEarlierLines(): Promise<void> {
    try {
      await this.log.newLines();
    } catch {
      // printNewLines reports an unreadable log once the rotation runs
    }
  }

  private async isCurrent(): Promise<boolean> {
    try {
      const described = await this.clients.secretsManager
        .get()
        .send(new DescribeSecretCommand({ SecretId: this.secret.arn }));
      return described.VersionIdsToStages?.[this.token]?.includes(CURRENT) === true;
    } catch (error) {
      throw explainAwsError(error, `following the rotation of ${this.secret.name} (DescribeSecret)`);
    }
  }

  private async printNewLines(): Promise<RotationLogLine[]> {
    let lines: RotationLogLine[];
    try {
      lines = await this.log.newLines();
    } catch (error) {
      if (!this.logProblemShown) {
        this.logProblemShown = true;
        const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        this.io.stderr(
          `note: cannot read the rotation function's log ${this.log.logGroupName} (${why}); following the secret's versions only\n`,
        );
      }
      return [];
    }
    for (const line of lines) {
      this.lastStep = line.step;
      const outcome = line.outcome === undefined ? '' : ` (${line.outcome})`;
      const error = line.error === undefined ? '' : `: ${line.error}`;
      this.io.stderr(`  ${line.step.padEnd(12)} ${line.message}${outcome}${error}\n`);
    }
    return lines;
  }

  private failure(step: string | undefined, error: string): CommandFailed {
    return new CommandFailed(
      `the rotation of ${this.secret.name} failed${step === undefined ? '' : ` at step ${step}`}: ${error}\n` +
        `The current key still works. Find the cause in the rotation function's log group ${this.log.logGroupName} (version ${this.token}), ` +
        `fix it, then run 'iam-key-rotation rotate ${this.secret.name}' again: it retries this rotation.`,
    );
  }
}
