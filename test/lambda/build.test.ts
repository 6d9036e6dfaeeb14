import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const BUILD_SCRIPT = join(ROOT, 'scripts', 'build-lambda.mjs');

/** The script's own output, one line each: bundle size, zip size, sha256. */
function build(outDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(process.execPath, [BUILD_SCRIPT, '--outdir', outDir], { cwd: ROOT, env, encoding: 'utf8' });
}

const sha256Of = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The names of the entries of a zip, from its central directory. */
function zipEntryNames(zip: Buffer): string[] {
  const names: string[] = [];
  for (let offset = zip.indexOf('PK\x01\x02'); offset !== -1; offset = zip.indexOf('PK\x01\x02', offset + 4)) {
    const nameLength = zip.readUInt16LE(offset + 28);
    names.push(zip.subarray(offset + 46, offset + 46 + nameLength).toString('utf8'));
  }
  return names;
}

describe('build:lambda', () => {
  let outDir: string;
  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), 'iam-key-rotation-build-'));
  });
  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
  });

  test('two builds into the same directory give byte-identical zips, whatever the time zone', () => {
    // GIVEN
    const zipPath = join(outDir, 'lambda.zip');

    // WHEN
    const firstOutput = build(outDir);
    const first = sha256Of(zipPath);
    build(outDir, { ...process.env, TZ: 'Pacific/Kiritimati' });
    const second = sha256Of(zipPath);

    // THEN
    expect(second).toBe(first);
    expect(firstOutput).toContain(`sha256 ${first}`);
    expect(firstOutput.trim().split('\n')).toHaveLength(3);
  });

  test('the zip holds exactly one entry, index.js', () => {
    // GIVEN / WHEN
    build(outDir);

    // THEN
    expect(zipEntryNames(readFileSync(join(outDir, 'lambda.zip')))).toEqual(['index.js']);
  });

  test('the bundle is CommonJS and exports the handler', () => {
    // GIVEN / WHEN
    build(outDir);
    const bundle = require(join(outDir, 'lambda', 'index.js')) as { handler?: unknown };

    // THEN
    expect(typeof bundle.handler).toBe('function');
  });

  test('error names survive minification', async () => {
    // GIVEN
    build(outDir);
    const { handler } = require(join(outDir, 'lambda', 'index.js')) as { handler: (event: unknown) => Promise<void> };
    const consoleLog = jest.spyOn(console, 'log').mockImplementation(() => undefined);

    // WHEN
    const rejection = handler({ SecretId: 'arn:secret', ClientRequestToken: 'v1', Step: 'rotateSecret' });

    // THEN
    await expect(rejection).rejects.toMatchObject({ name: 'InvalidEventError' });
    expect(JSON.parse(String(consoleLog.mock.calls[0][0]))).toMatchObject({ error: { name: 'InvalidEventError' } });
    consoleLog.mockRestore();
  });

  test('SOURCE_DATE_EPOCH sets the timestamp, and so the bytes', () => {
    // GIVEN
    const zipPath = join(outDir, 'lambda.zip');
    build(outDir);
    const pinned = sha256Of(zipPath);

    // WHEN
    build(outDir, { ...process.env, SOURCE_DATE_EPOCH: '1700000000' });

    // THEN
    expect(sha256Of(zipPath)).not.toBe(pinned);
  });
});
