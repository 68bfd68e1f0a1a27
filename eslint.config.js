// Lint: eslint's and typescript-eslint's recommended rules (syntax only, no type information, so
// `npx eslint .` stays around 10 s on two cores), plus the layering rule of issue 16.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Client libraries of one capture or delivery technology. They belong in adapters/; src/ talks to
// them only through contracts (Sink, SourceDatabase, the state stores).
const TECHNOLOGY_PACKAGES = [
  'kafkajs',
  'ioredis',
  'bullmq',
  'pg',
  'mysql2',
  'mongodb',
  '@vlasky/zongji',
  'pg-logical-replication',
  '@electric-sql/pglite',
  // cdc's own schema migrations (adapters/knex/, adapters/*/migrations.ts).
  'knex',
];

// Files of src/ that may import adapters/: the places where adapters are chosen and wired — the
// capture service's wiring, and each CLI command, which builds the adapters its one job needs.
const COMPOSITION_ROOTS = ['src/wiring.ts', 'src/sources/open-source-database.ts', 'src/cli/commands/*.ts'];

// Known leak: each file here imports what src/ should not, and only what is listed. A new import of
// a technology package or of adapters/ anywhere else in src/ fails `npm test`.
const KNOWN_LEAKS = {
  // cdc serve's registry queries are written with knex (a query builder over SQLite, PostgreSQL and
  // MySQL) throughout src/serve; a Registry contract with its knex implementation in adapters/ is
  // the follow-up that removes this entry.
  'src/serve/**/*.ts': { packages: ['knex'] },
  // …and where cdc serve wires its adapters (a composition root).
  'src/serve/serve.ts': { packages: ['knex'], adapters: true },
  // The embedded demo (npm start) is a composition root of its own that opens PGlite in-process.
  'src/demo/embedded-demo.ts': { packages: ['@electric-sql/pglite'], adapters: true },
};

function layering({ packages = [], adapters = false } = {}) {
  const paths = TECHNOLOGY_PACKAGES.filter((p) => !packages.includes(p)).map((name) => ({
    name,
    message: 'src/ must not use a technology client directly: put the code in adapters/ behind a contract (issue 16).',
  }));
  const patterns = [
    {
      group: TECHNOLOGY_PACKAGES.filter((p) => !packages.includes(p)).map((p) => `${p}/*`),
      message: 'src/ must not use a technology client directly: put the code in adapters/ behind a contract (issue 16).',
    },
  ];
  if (!adapters) {
    patterns.push({
      group: ['**/adapters', '**/adapters/*'],
      message: 'src/ depends on contracts, not on adapters/; adapters are wired in src/wiring.ts (issue 16).',
    });
  }
  // no-restricted-imports does not look at import(): the same rule again for dynamic imports.
  // (\x2f is "/": a slash would end the selector's regular expression.)
  const names = TECHNOLOGY_PACKAGES.filter((p) => !packages.includes(p)).map((p) => p.replace('/', '\\x2f'));
  const dynamic = [
    {
      selector: `ImportExpression[source.value=/^(${names.join('|')})(\\x2f|$)/]`,
      message: 'src/ must not use a technology client directly: put the code in adapters/ behind a contract (issue 16).',
    },
  ];
  if (!adapters) {
    dynamic.push({
      selector: 'ImportExpression[source.value=/^[.][.]?\\x2f(.*\\x2f)?adapters(\\x2f|$)/]',
      message: 'src/ depends on contracts, not on adapters/; adapters are wired in src/wiring.ts (issue 16).',
    });
  }
  return { 'no-restricted-imports': ['error', { paths, patterns }], 'no-restricted-syntax': ['error', ...dynamic] };
}

export default defineConfig(
  { ignores: ['node_modules/', 'dist/', 'bench/results/', '.cdc/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      // `any` is used on purpose where values come from drivers, JSON or commander, and in tests
      // that poke at events; typing them all is not this change.
      '@typescript-eslint/no-explicit-any': 'off',
      // Destructuring to drop fields (`const { a, ...rest } = x`) is the idiom for "everything but".
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  // cdc serve's status page: plain browser JavaScript served as is, with uPlot loaded before it.
  { files: ['src/serve/status-page/*.js'], languageOptions: { sourceType: 'script', globals: { ...globals.browser, uPlot: 'readonly' } } },
  { files: ['src/**/*.ts'], rules: layering() },
  { files: COMPOSITION_ROOTS, rules: layering({ adapters: true }) },
  ...Object.entries(KNOWN_LEAKS).map(([file, allowed]) => ({ files: [file], rules: layering(allowed) })),
);
