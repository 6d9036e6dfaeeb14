// npm 11 skips a dependency's install scripts unless package.json's allowScripts decides, and warns about each
// undecided one on every `npm ci`. Every package with scripts in the lock file is decided here, so a fresh clone
// installs without that warning, and a new dependency with scripts fails this test until someone decides.
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from '../support/paths';

interface LockedPackage {
  readonly hasInstallScript?: boolean;
}

test('every dependency with install scripts is allowed or denied in package.json', () => {
  const lock = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockedPackage>;
  };
  const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    allowScripts?: Record<string, boolean>;
  };
  const withScripts = Object.entries(lock.packages)
    .filter(([, entry]) => entry.hasInstallScript === true)
    .map(([location]) => location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length));
  expect(withScripts.length).toBeGreaterThan(0);
  const undecided = [...new Set(withScripts)].filter((name) => manifest.allowScripts?.[name] === undefined);
  expect(undecided).toEqual([]);
});
