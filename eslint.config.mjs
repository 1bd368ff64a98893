// @ts-check
import tseslint from 'typescript-eslint';

const ioImports = [
  { group: ['@nestjs/*'], message: 'libs/domain is pure: no Nest imports.' },
  { group: ['pg', 'pg/*'], message: 'libs/domain is pure: no Postgres imports.' },
  { group: ['kafkajs'], message: 'libs/domain is pure: no Kafka imports.' },
  { group: ['@eventstore/*', '@kurrent/*'], message: 'libs/domain is pure: no event-store client imports.' },
  { group: ['@payments/*', '!@payments/domain', '!@payments/domain/*'], message: 'libs/domain depends on no other lib.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', '.data/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through libs/config only.' }],
    },
  },
  {
    files: ['libs/config/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', '**/*.spec.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['libs/domain/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ioImports }] },
  },
);
