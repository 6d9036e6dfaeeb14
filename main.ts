// The CDKTF app: reads rotation.config.json (or $IAM_KEY_ROTATION_CONFIG) and builds its stack, or one per target.
// Importing this module has no side effects; it synthesizes only when run (node dist/main.js).
import * as path from 'path';
import { App } from 'cdktf';
import { CONFIG_PATH_ENV, isTargetsConfig, loadAppConfig } from './lib/app/config';
import { IamAccessKeyRotationProps } from './lib/construct/iam-access-key-rotation';
import { IamKeyRotationStack } from './lib/app/stack';
import { targetProviderSettings } from './lib/app/targets';
import { emulatorProviderSettings } from './app/provider-endpoint';

export const STACK_NAME = 'iam-key-rotation';
/** The stack of one of the config's `targets`. */
export function targetStackName(target: string): string {
  return `${STACK_NAME}-${target}`;
}
/** Relative to the working directory, which cdktf sets to the folder of cdktf.json. */
export const DEFAULT_CONFIG_PATH = 'rotation.config.json';

export interface BuildAppOptions {
  /** @default - $IAM_KEY_ROTATION_CONFIG, else rotation.config.json */
  readonly configPath?: string;
  /** @default - $CDKTF_OUTDIR (set by the cdktf CLI), else cdktf.out */
  readonly outdir?: string;
  /** Where settings come from (config path, emulator endpoint). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default - dist/lambda.zip */
  readonly functionZipPath?: string;
}

export function buildApp(options: BuildAppOptions = {}): App {
  const env = options.env ?? process.env;
  const configPath = path.resolve(options.configPath ?? env[CONFIG_PATH_ENV] ?? DEFAULT_CONFIG_PATH);
  const config = loadAppConfig(configPath);
  const app = new App(options.outdir !== undefined ? { outdir: options.outdir } : {});
  const withZip = (rotation: IamAccessKeyRotationProps): IamAccessKeyRotationProps =>
    options.functionZipPath !== undefined ? { ...rotation, functionZipPath: options.functionZipPath } : rotation;
  const emulatorSettings = emulatorProviderSettings(env);
  if (!isTargetsConfig(config)) {
    new IamKeyRotationStack(app, STACK_NAME, {
      region: config.region,
      backend: config.backend,
      rotation: withZip(config.rotation),
      providerSettings: emulatorSettings,
    });
    return app;
  }
  for (const target of config.targets) {
    new IamKeyRotationStack(app, targetStackName(target.name), {
      region: target.region,
      backend: target.backend,
      rotation: withZip(target.rotation),
      providerSettings: (stack) => ({ ...emulatorSettings, ...targetProviderSettings(stack, target) }),
    });
  }
  return app;
}

if (require.main === module) {
  // Not while the module loads: cdktf records the whole call stack for every token it creates (tens of thousands at
  // fleet size), and the module loader's frames make each record 40% longer (0.6 s of CPU at 5,000 users).
  setImmediate(() => {
    try {
      buildApp().synth();
    } catch (error) {
      console.error((error as Error).message);
      process.exit(1);
    }
  });
}
