import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../support/paths';

const BUILD_SCRIPT = join(PROJECT_ROOT, 'scripts', 'build-lambda.mjs');

/** The script's own output, one line each: bundle size, zip size, sha256. */
function build(outDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(process.execPath, [BUILD_SCRIPT, '--outdir', outDir], {
    cwd: PROJECT_ROOT,
    env,
    encoding: 'utf8',
  });
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

  test.each([
    ['SOURCE_DATE_EPOCH', { SOURCE_DATE_EPOCH: '1700000000' }, new Date('2023-11-14T22:13:20Z')],
    ["no SOURCE_DATE_EPOCH: the zip format's first date", { SOURCE_DATE_EPOCH: '' }, new Date('1980-01-01T00:00:00Z')],
  ])("%s sets the entry's timestamp, in every time zone", (_case, env, expected) => {
    for (const TZ of ['UTC', 'Pacific/Kiritimati']) {
      // WHEN
      build(outDir, { ...process.env, ...env, TZ });

      // THEN the DOS date and time of the local file header are the instant's UTC fields
      expect(zipEntryTime(readFileSync(join(outDir, 'lambda.zip')))).toEqual(expected);
    }
  });
});

/** The modification time of the first entry, from its local file header (DOS format: two-second steps, no zone). */
function zipEntryTime(zip: Buffer): Date {
  expect(zip.readUInt32LE(0)).toBe(0x04034b50);
  const time = zip.readUInt16LE(10);
  const date = zip.readUInt16LE(12);
  return new Date(
    Date.UTC(
      1980 + (date >> 9),
      ((date >> 5) & 0x0f) - 1,
      date & 0x1f,
      time >> 11,
      (time >> 5) & 0x3f,
      (time & 0x1f) * 2,
    ),
  );
}
