import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'renderer/dist/**',
      'headoffice/app/dist/**',
      'headoffice/member/dist/**',
      'test-artifacts/**',
      'release/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The cashier UI (React): browser code only; it reads the till through HTTP, never its modules.
    files: ['renderer/src/**/*.ts', 'renderer/src/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', '**/main/*', '**/native/*', '**/headoffice/*'],
              message: 'renderer/ runs in the browser: talk to the till over HTTP (renderer/src/lib/api.ts)',
            },
          ],
        },
      ],
    },
  },
  {
    // A sandboxed preload must be CommonJS; `import x = require()` is how TypeScript writes that.
    files: ['main/electron/preload.cts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:fs*',
                'node:net',
                'node:http*',
                'node:child_process',
                'fs',
                'http',
                'better-sqlite3',
                '../main/*',
                '../../main/*',
                '../native/*',
              ],
              message: 'core/ is pure: no I/O and no dependency on main/ or native/',
            },
          ],
        },
      ],
    },
  },
  {
    // Head office and the till are separate programs: what both need lives in core/ or storage/.
    files: ['headoffice/**/*.ts', 'storage/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../main/*', '../../main/*', '../../../main/*'],
              message: 'head office imports nothing from main/: share it through core/ or storage/',
            },
          ],
        },
      ],
    },
  },
  {
    // Head office's web application (React): browser code only; it reads head office through
    // HTTP (headoffice/app/src/lib/api.ts), never its server modules. Pure core/ is shared.
    files: ['headoffice/app/src/**/*.ts', 'headoffice/app/src/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', '**/main/*', '**/native/*', '**/storage/*'],
              message: 'headoffice/app runs in the browser: talk to head office over HTTP (src/lib/api.ts)',
            },
            {
              // ../../x from src/ is head office's server code (headoffice/*.ts, store/, routes/ ...)
              regex: String.raw`^(\.\./){2,3}(?!\.\./)(?!app/)(?!core/)[^/]+`,
              message: 'headoffice/app runs in the browser: talk to head office over HTTP (src/lib/api.ts)',
            },
          ],
        },
      ],
    },
  },
);
