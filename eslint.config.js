// Lint guardrails from STYLE.md: floating promises, type-only imports, no import cycles,
// and no Node built-ins (or I/O libraries) in deterministic workflow code.
import js from '@eslint/js';
import { builtinModules } from 'node:module';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.data/', '.sim/', 'coverage/', 'dist/', 'dist-bench/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...builtinModules.flatMap((m) => [m, `node:${m}`]),
            'undici',
            'node-ssh',
            'ssh2',
            'js-yaml',
          ].map((name) => ({ name, message: 'workflows must stay deterministic: do I/O in activities/' })),
          patterns: [
            { group: ['**/activities/**', '!**/activities/index.js'], message: 'import activity types from activities/index.js only' },
          ],
        },
      ],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/activities/index.js'],
              allowTypeImports: true,
              message: 'workflows import activities as types only (STYLE §1)',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'use sleep() from @temporalio/workflow' },
        { name: 'setInterval', message: 'use sleep() from @temporalio/workflow' },
        { name: 'process', message: 'no process access in workflows' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Math.random is replaced by the SDK; prefer uuid4()' },
      ],
    },
  },
);
