// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const electronFree = {
  patterns: [
    {
      regex: '^electron(/|$)',
      message: 'The engine, the CLI and shared/ run under plain Node: no electron imports here.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-output/**', 'release/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', electronFree],
    },
  },
  {
    // Only the Electron shell may import electron, and only the typed IPC modules may touch raw IPC.
    files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
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
