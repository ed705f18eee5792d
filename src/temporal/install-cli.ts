// `npm run tools:temporal`: installs both pinned Temporal binaries into .tools/ (used by .ci/run),
// hash-checked against src/temporal/requirements/. An optional argument names another root
// directory to install under (tests install into a temporary one, never the shared .tools/).
import { resolve } from 'node:path';
import { PINNED, PROJECT_ROOT, installLocal, localToolPath } from './binaries.js';

const root = process.argv[2] !== undefined ? resolve(process.argv[2]) : PROJECT_ROOT;
for (const kind of ['cli', 'testServer'] as const) {
  const failure = installLocal(kind, root);
  if (failure !== undefined) {
    console.error(`failed to install ${PINNED[kind].pypi}==${PINNED[kind].version}: ${failure}`);
    process.exit(1);
  }
  console.log(`${PINNED[kind].exe}: ${localToolPath(kind, root)}`);
}
