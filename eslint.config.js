// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

// Import boundaries: the renderer imports only renderer/ and shared/; shared/ only
// itself and packages; the core and the CLI shared/ and the core (the CLI depends on the core, never
// the other way); the Electron shell (main, preload) the core and shared/, never the CLI. Nothing but
// the shell imports `electron`. Tests (*.test.ts, test/, e2e/) and the bench may import what they test.
//
// no-restricted-imports sees the specifier as written, not the file it resolves to, so each area's
// patterns name the folders it must not reach by the way a relative path reaches them: `../cli/`
// from electron/core/x.ts, `../../../electron/core/` from renderer/src/app/x.tsx. Folder names are
// unique across the repo, so `(../)+name/` cannot mean a different folder of the same name.
// (Dynamic import() is not checked by the rule; none crosses a boundary today.)
const reaching = (/** @type {string[]} */ folders, /** @type {string} */ message) => ({
  regex: `^(\\.\\./)+(${folders.join('|')})(/|$)`,
  message,
});
const noElectron = {
  regex: '^electron(/|$)',
  message: 'The engine, the CLI and shared/ run under plain Node: no electron imports here.',
};
const noNode = (/** @type {string} */ where) => ({
  regex: '^node:',
  message: `${where} runs in the sandboxed window too (renderer/tsconfig.json has no Node types): no Node built-ins.`,
});
const notTests = {
  regex: '^(\\.\\./)+(test|e2e|bench|scripts)(/|$)',
  message: 'Product code does not import tests, fixtures, the bench or build scripts.',
};
const testFiles = ['**/*.test.ts', '**/*.test.tsx'];

/** @param {string[]} files @param {object[]} patterns */
const boundary = (files, patterns) => ({
  files,
  ignores: testFiles,
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-output/**', 'release/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      // Type-aware: each file is typed by the nearest tsconfig.json that includes it (the Node
      // project at the root, renderer/tsconfig.json for the pane); page-driving tests below.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-imports': ['error', { patterns: [noElectron] }],
    },
  },
  {
    // Playwright's files and the pane's own tests are typed by tsconfig.browser-tests.json (Node and
    // DOM), which no tsconfig.json near them names, so the project service would not find them.
    files: ['e2e/**/*.ts', 'renderer/src/**/*.test.ts', 'renderer/src/**/*.test.tsx'],
    languageOptions: {
      parserOptions: {
        projectService: false,
        project: './tsconfig.browser-tests.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    // Plain JS (config, bin, build scripts) is in no TypeScript project: linted without types.
    files: ['**/*.{js,mjs,cjs}'],
    ...tseslint.configs.disableTypeChecked,
  },

  boundary(
    ['renderer/src/**/*.{ts,tsx}'],
    [
      noElectron,
      noNode('The pane'),
      reaching(
        ['electron', 'test', 'e2e', 'bench', 'scripts', 'native'],
        'The renderer imports only renderer/ and shared/ (the core reaches it over the IPC contract).',
      ),
    ],
  ),
  boundary(
    ['shared/**/*.ts'],
    [
      noElectron,
      noNode('shared/'),
      reaching(
        ['electron', 'renderer', 'test', 'e2e', 'bench', 'scripts', 'native'],
        'shared/ imports only shared/ and packages: both the Node side and the renderer build it.',
      ),
    ],
  ),
  boundary(
    ['electron/core/**/*.ts'],
    [
      noElectron,
      notTests,
      reaching(
        ['electron/cli', 'cli', 'electron/main', 'main', 'electron/preload', 'preload', 'renderer'],
        'The core imports only the core, shared/ and packages: the CLI and the Electron shell depend on it, not it on them.',
      ),
    ],
  ),
  boundary(
    ['electron/cli/**/*.ts'],
    [
      noElectron,
      notTests,
      reaching(
        ['electron/main', 'main', 'electron/preload', 'preload', 'renderer'],
        'The CLI imports the core, shared/ and itself, never the Electron shell or the renderer.',
      ),
    ],
  ),
  boundary(
    ['electron/main/**/*.ts'],
    [
      notTests,
      reaching(
        ['electron/cli', 'cli', 'electron/preload', 'preload', 'renderer'],
        'The Electron shell imports the core and shared/, not the CLI or the renderer.',
      ),
    ],
  ),
  boundary(
    ['electron/preload/**/*.ts'],
    [
      notTests,
      reaching(
        ['electron/cli', 'cli', 'renderer'],
        'The preload imports the core and shared/, not the CLI or the renderer.',
      ),
      {
        // The preload runs in the sandboxed window: of the shell, only the channel names.
        regex: '^(\\.\\./)+(electron/)?main/(?!ipc-channels\\.js$)',
        message:
          'The preload takes only ipc-channels.ts from electron/main (the rest runs in the main process).',
      },
    ],
  ),
  {
    // Electron's own tests: today's rule (no restriction).
    files: ['electron/main/**/*.test.ts', 'electron/preload/**/*.test.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },

  {
    // Only the typed IPC modules may touch raw IPC.
    files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'MemberExpression[object.name=/^(ipcMain|ipcRenderer)$/]',
          message:
            'Use the typed IPC contract (electron/main/ipc-main.ts, electron/preload/preload.ts), not raw ipcMain/ipcRenderer.',
        },
      ],
    },
  },
  {
    files: ['electron/main/ipc-main.ts', 'electron/preload/preload.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
);
