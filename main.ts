// The CDKTF app: reads rotation.config.json (or $IAM_KEY_ROTATION_CONFIG) and builds the one stack.
// Importing this module has no side effects; it synthesizes only when run (node dist/main.js).
import * as path from 'path';
import { App } from 'cdktf';
import { CONFIG_PATH_ENV, loadRotationConfig } from './lib/config';
import { IamKeyRotationStack } from './lib/stack';
import { emulatorProviderSettings } from './emulator/provider-endpoint';

export const STACK_NAME = 'iam-key-rotation';
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
  const config = loadRotationConfig(configPath);
  const app = new App(options.outdir !== undefined ? { outdir: options.outdir } : {});
  new IamKeyRotationStack(app, STACK_NAME, {
    region: config.region,
    backend: config.backend,
    rotation: options.functionZipPath !== undefined ? { ...config.rotation, functionZipPath: options.functionZipPath } : config.rotation,
    providerSettings: emulatorProviderSettings(env),
  });
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
