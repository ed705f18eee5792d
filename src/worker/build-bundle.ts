// `npm run build`, second half: webpack the compiled workflows once into dist/workflow-bundle.js,
// so a production worker loads it instead of bundling at every start (DESIGN §10).
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { PREBUILT_BUNDLE_PATH, WORKFLOWS_PATH } from './worker.js';

async function main(): Promise<void> {
  if (!WORKFLOWS_PATH.endsWith('.js')) throw new Error('run this from the compiled build (node dist/src/worker/build-bundle.js)');
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  writeFileSync(PREBUILT_BUNDLE_PATH, code);
  console.log(`workflow bundle: ${PREBUILT_BUNDLE_PATH} (${(code.length / 1024).toFixed(0)} KiB)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
