// Run by the Maven build (exec-maven-plugin) with the machine's Node: installs the pinned
// packages when the lockfile changed (npm ci, from npm's cache when offline) and builds the
// console when a source changed, so a rebuild with nothing new costs well under a second.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);
const newest = (p) =>
  statSync(p).isDirectory() ? Math.max(0, ...readdirSync(p).map((f) => newest(join(p, f)))) : statSync(p).mtimeMs;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

if (mtime(join(here, 'node_modules/.package-lock.json')) < mtime(join(here, 'package-lock.json'))) {
  execFileSync(npm, ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: here, stdio: 'inherit' });
}
const built = join(here, 'target/classes/io/liftshift/console/site/index.html');
const sources = Math.max(
  newest(join(here, 'src')),
  ...['index.html', 'vite.config.js', 'package-lock.json'].map((f) => mtime(join(here, f))),
);
if (mtime(built) < sources) {
  execFileSync(join(here, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: here, stdio: 'inherit' });
} else {
  console.log('console: up to date');
}
