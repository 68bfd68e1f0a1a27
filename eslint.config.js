// Lint: eslint's and typescript-eslint's recommended rules (syntax only, no type information, so
// `npx eslint .` stays around 10 s on two cores).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

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
);
