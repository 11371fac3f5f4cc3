// ESLint flat config for the whole workspace.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';
import prettier from 'eslint-config-prettier/flat';

const processEnvRule = {
  'no-restricted-properties': [
    'error',
    { object: 'process', property: 'env', message: 'Read configuration in the app’s env.ts and pass it down.' },
  ],
};

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'migrations/**', '.data/**', '**/coverage/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
    },
  },
  // Configuration comes from the environment only in each app's env.ts (and the launcher and test
  // setup, which provide that environment).
  {
    files: ['apps/**/*.{ts,vue}', 'packages/domain/**/*.ts', 'packages/db/**/*.ts'],
    ignores: ['apps/*/src/env.ts', 'apps/*/vite.config.ts'],
    rules: processEnvRule,
  },
  // The web app never imports the database layer (nor server-only packages).
  {
    files: ['apps/web/**/*.{ts,vue}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@shanhai/db', '@shanhai/db/*'],
              message: 'web → domain only: the database package is server-side.',
            },
            {
              group: ['@shanhai/api', '@shanhai/api/*', '@shanhai/worker', '@shanhai/worker/*'],
              message: 'Apps never import each other.',
            },
            { group: ['pg', 'ioredis', 'bullmq', 'drizzle-orm', 'drizzle-orm/*'], message: 'Server-only dependency.' },
          ],
        },
      ],
    },
  },
  // Apps never import each other; domain stays free of I/O.
  {
    files: ['apps/api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@shanhai/worker', '@shanhai/worker/*', '@shanhai/web'],
              message: 'Apps never import each other.',
            },
            {
              // One CSV writer, with the spreadsheet-formula guard in one place (issue 12).
              group: ['csv-stringify', 'csv-stringify/*'],
              message: 'Write CSV through sendCsv (apps/api/src/lib/csv.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/api/src/lib/csv.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@shanhai/worker', '@shanhai/worker/*', '@shanhai/web'],
              message: 'Apps never import each other.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/worker/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@shanhai/api', '@shanhai/api/*', '@shanhai/web'], message: 'Apps never import each other.' },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@shanhai/db',
                'pg',
                'ioredis',
                'bullmq',
                'drizzle-orm',
                'node:fs',
                'node:net',
                'node:child_process',
              ],
              message: 'packages/domain is pure: no I/O.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.vue'],
    languageOptions: {
      parser: vueParser,
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
      globals: { ...globals.browser },
    },
    rules: {
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  {
    files: ['apps/web/src/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  // Launchers and bench scripts talk to the terminal.
  {
    files: ['packages/devstack/**/*.{ts,mjs}', 'tests/bench/**/*.ts', 'tests/tools/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  // Layout is Prettier's job (`prettier --check` runs in the lint step): turn off the rules it owns.
  prettier,
);
