// A platform team's own CDKTF app, in a fresh folder outside this repository, installs the packed package next to
// cdktf, constructs and the provider, exactly as the README's "Use it in your own CDKTF app" says, with the README's
// tsconfig.json and main.ts (its checked blocks consumer:install, consumer:tsconfig.json, consumer:main.ts). Offline: the peers come from the npm cache that `npm ci` filled.
import { execFileSync, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkedBlock } from '../support/doc-snippets';
import { terraformIn, testWithTerraform } from '../support/tools';
import { PROJECT_ROOT } from '../support/paths';

const PACKAGE = 'iam-key-rotation';
const STACK_DIR = path.join('cdktf.out', 'stacks', 'keys');

/** The README's fenced block marked `<!-- checked: consumer:<name> -->`. */
const readmeBlock = (name: string): string => checkedBlock('README.md', `consumer:${name}`).text;

const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/**
 * `npm install` arguments for offline use: `name@version` becomes the registry's tarball URL, which the npm cache
 * holds by URL since `npm ci` fetched it (a bare name@version would need the package's metadata, which npm ci never
 * fetches); the README's relative path to the packed tarball becomes the tarball this test packed.
 */
function offlineSpecs(args: string[], tarball: string, registry: string): string[] {
  return args.map((arg) => {
    if (arg.endsWith('.tgz')) return tarball;
    const spec = /^(@[^/@]+\/)?([^@]+)@(\d+\.\d+\.\d+)$/.exec(arg);
    if (spec === null) throw new Error(`the README installs ${arg}: expected name@x.y.z`);
    const [, scope = '', name, version] = spec;
    return `${registry}${scope}${name}/-/${name}-${version}.tgz`;
  });
}

describe('a CDKTF app in another folder that installs the package', () => {
  jest.setTimeout(180_000);
  let workDir: string;
  let appDir: string;
  let installedZip: string;

  const run = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string =>
    execFileSync(command, args, { cwd: appDir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const appEnv = (): NodeJS.ProcessEnv => {
    const { CDKTF_OUTDIR: _outdir, IAM_KEY_ROTATION_CONFIG: _config, ...rest } = process.env;
    return { ...rest, CHECKPOINT_DISABLE: '1' };
  };

  beforeAll(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ikr-consumer-'));
    const [{ filename }] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', workDir], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    ) as { filename: string }[];
    const tarball = path.join(workDir, filename);
    const registry = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' })
      .trim()
      .replace(/\/?$/, '/');

    // The README's commands, in order: mkdir + npm init, then each npm install with its flags.
    const commands = readmeBlock('install').split('\n');
    expect(commands[0]).toBe('mkdir keys-app && cd keys-app && npm init -y');
    appDir = path.join(workDir, 'keys-app');
    fs.mkdirSync(appDir);
    run('npm', ['init', '-y']);
    for (const command of commands.slice(1)) {
      const [npm, install, ...args] = command.split(' ');
      expect([npm, install]).toEqual(['npm', 'install']);
      const flags = args.filter((arg) => arg.startsWith('--'));
      const specs = offlineSpecs(
        args.filter((arg) => !arg.startsWith('--')),
        tarball,
        registry,
      );
      try {
        run('npm', ['install', '--offline', '--no-audit', '--no-fund', ...flags, ...specs]);
      } catch (error) {
        throw new Error(
          `${command} (offline) failed; npm ci fills the npm cache it needs:\n${(error as { stderr?: string }).stderr ?? error}`,
          { cause: error },
        );
      }
    }
    fs.writeFileSync(path.join(appDir, 'tsconfig.json'), `${readmeBlock('tsconfig.json')}\n`);
    fs.writeFileSync(path.join(appDir, 'main.ts'), `${readmeBlock('main.ts')}\n`);
    installedZip = path.join(appDir, 'node_modules', PACKAGE, 'dist', 'lambda.zip');
  });

  afterAll(() => {
    if (workDir !== undefined) fs.rmSync(workDir, { recursive: true, force: true });
  });

  test("installs a copy of the package, with one cdktf, constructs and provider: the app's own", () => {
    const installed = fs.realpathSync(path.join(appDir, 'node_modules', PACKAGE));
    expect(installed.startsWith(fs.realpathSync(appDir))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'node_modules'))).toBe(false);
    const list = JSON.parse(run('npm', ['ls', '--all', '--json', 'cdktf', 'constructs'])) as { problems?: string[] };
    expect(list.problems).toBeUndefined();
    expect(sha256(installedZip)).toBe(sha256(path.join(PROJECT_ROOT, 'dist', 'lambda.zip')));
  });

  test("type-checks and compiles the README's app against the package's types", () => {
    run(process.execPath, [path.join(appDir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.']);
    expect(fs.existsSync(path.join(appDir, 'main.js'))).toBe(true);
  });

  test("synthesizes with plain Node, the function asset being the installed package's zip", () => {
    // GIVEN the compiled app (previous test)
    fs.rmSync(path.join(appDir, 'cdktf.out'), { recursive: true, force: true });
    // WHEN
    run(process.execPath, ['main.js'], appEnv());
    // THEN
    const config = JSON.parse(fs.readFileSync(path.join(appDir, STACK_DIR, 'cdk.tf.json'), 'utf8')) as {
      resource: { aws_lambda_function: Record<string, { filename: string; source_code_hash: string }> };
    };
    const [lambda] = Object.values(config.resource.aws_lambda_function);
    const asset = path.join(appDir, STACK_DIR, lambda.filename);
    expect(sha256(asset)).toBe(sha256(installedZip));
  });

  test('without the installed zip, the synth stops and names where it looked', () => {
    // GIVEN
    const moved = `${installedZip}.moved`;
    fs.renameSync(installedZip, moved);
    try {
      // WHEN
      const result = spawnSync(process.execPath, ['main.js'], { cwd: appDir, env: appEnv(), encoding: 'utf8' });
      // THEN
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(`${installedZip} does not exist`);
    } finally {
      fs.renameSync(moved, installedZip);
    }
  });

  testWithTerraform('terraform validate accepts the synthesized stack', () => {
    const stackDir = path.join(appDir, STACK_DIR);
    expect(fs.existsSync(path.join(stackDir, 'cdk.tf.json'))).toBe(true);
    const terraform = terraformIn(stackDir, workDir);
    terraform('init', '-input=false', '-backend=false', '-no-color');
    expect(JSON.parse(terraform('validate', '-json'))).toMatchObject({ valid: true, error_count: 0 });
  });
});
