// AWS calls per rotation and rotation wall time, through the emulator: a one-user stack deployed by terraform,
// rotated by Secrets Manager (moto) invoking the deployed zip. The call log tells the function's calls apart
// from the bench's own by the access key that signed them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RotationState } from '../../emulator/aws-state';
import { EmulatorDeployment } from '../../emulator/deployment';
import type { CallRecord, Emulator } from '../../emulator/emulator';
import { fleetConfig } from './fleet-config';
import { timed } from './measure';
import { seconds } from './progress';
import { SEED_CALLS } from './seed-calls';
import { median } from './stats';

export interface RotationCalls {
  readonly scenario: string;
  /** Keys the user held before the rotation. */
  readonly keysBefore: number;
  readonly calls: number;
  readonly seedCalls: number;
  /** `DescribeSecret 4`, ... in the order first called. */
  readonly byAction: readonly string[];
  /** `GetSecretValue 400`, ...: calls answered with an error (e.g. the pending version read before it has a value). */
  readonly errorAnswers: readonly string[];
  readonly wallMs: number;
}

export interface RotationFigures {
  readonly initMs: number;
  readonly applyMs: number;
  readonly calls: readonly RotationCalls[];
  readonly timedRotations: number;
  readonly medianRotationMs: number;
  readonly minRotationMs: number;
  readonly maxRotationMs: number;
}

export interface RotationOptions {
  readonly workDir: string;
  readonly timedRotations: number;
  readonly progress: (message: string) => void;
}

export async function measureRotations(emulator: Emulator, options: RotationOptions): Promise<RotationFigures> {
  const configPath = path.join(options.workDir, 'rotation.config.json');
  const config = fleetConfig({ users: 1, name: 'bench-rotation', userPrefix: 'bench-rotated', createUsers: true });
  const userName = config.users[0]!.name;
  fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
  const deployment = new EmulatorDeployment(emulator, {
    outdir: path.join(options.workDir, 'rotation-stack'),
    configPath,
  });
  options.progress('rotation stack (1 user): terraform init');
  const initMs = await timed(() => deployment.init());
  options.progress(`rotation stack: init ${seconds(initMs)}; terraform apply (the first rotation makes the first key)`);
  const applyMs = await timed(() => deployment.apply());
  options.progress(`rotation stack: applied in ${seconds(applyMs)}`);
  const secretArn = (await deployment.outputs()).secretArns[userName];
  if (secretArn === undefined) throw new Error(`terraform output secret_arns has no secret for ${userName}`);

  const state = new RotationState(emulator);
  try {
    const rotateOnce = async (): Promise<number> => {
      const before = await state.currentValue(secretArn);
      const wallMs = await timed(() => state.rotate(secretArn));
      const after = await state.currentValue(secretArn);
      if (after === undefined || after.accesskey === before?.accesskey)
        throw new Error('the rotation did not change the AWSCURRENT key');
      return wallMs;
    };
    const countedRotation = async (
      scenario: string,
      seedCalls: number,
      keysExpected: number,
    ): Promise<RotationCalls> => {
      const keysBefore = (await state.keys(userName)).length;
      if (keysBefore !== keysExpected)
        throw new Error(`${scenario}: the user holds ${keysBefore} keys, expected ${keysExpected}`);
      await emulator.clearCalls();
      const wallMs = await rotateOnce();
      const functionCalls = (await emulator.calls()).filter(
        (call) => call.accessKeyId !== emulator.adminCredentials.accessKeyId,
      );
      options.progress(`${scenario}: ${functionCalls.length} AWS calls (the seed: ${seedCalls}), ${seconds(wallMs)}`);
      return {
        scenario,
        keysBefore,
        calls: functionCalls.length,
        seedCalls,
        byAction: countByAction(functionCalls),
        errorAnswers: functionCalls
          .filter((call) => call.status === null || call.status >= 400)
          .map((call) => `${call.action} ${call.status ?? 'no answer'}`),
        wallMs,
      };
    };

    // After the apply the user holds the bootstrap key; with the default previous-key policy (deactivate after a
    // grace period) every rotation leaves the previous key beside the new one, so the next finds two.
    const calls = [
      await countedRotation('user with one key', SEED_CALLS.oneKey, 1),
      await countedRotation('user with two keys', SEED_CALLS.twoKeys, 2),
    ];
    const wallTimes: number[] = [];
    for (let rotation = 1; rotation <= options.timedRotations; rotation++) {
      wallTimes.push(await rotateOnce());
      options.progress(
        `timed rotation ${rotation}/${options.timedRotations}: ${seconds(wallTimes[wallTimes.length - 1]!)}`,
      );
    }
    return {
      initMs,
      applyMs,
      calls,
      timedRotations: wallTimes.length,
      medianRotationMs: median(wallTimes),
      minRotationMs: Math.min(...wallTimes),
      maxRotationMs: Math.max(...wallTimes),
    };
  } finally {
    state.close();
  }
}

function countByAction(calls: readonly CallRecord[]): string[] {
  const counts = new Map<string, number>();
  for (const call of calls) counts.set(call.action, (counts.get(call.action) ?? 0) + 1);
  return [...counts].map(([action, count]) => `${action} ${count}`);
}
