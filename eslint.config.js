// Lint: typescript-eslint's recommended rules plus the habits from style.md
// that a machine can check (no stdout or process.exit inside lib/, and the
// layering of ARCHITECTURE.md: eslint/layers.js).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import layers from './eslint/layers.js';

/** Optional arguments every layer passes along (cancellation, progress): never spread conditionally. */
const OPTIONAL_ARGS = '/^(signal|onEvent|onProgress)$/';

export default tseslint.config(
  // The vendored client library is linted by its authors, not here.
  { ignores: ['node_modules/', '.drover/', 'coverage/', 'http/dashboard/assets/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        Buffer: 'readonly',
        fetch: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        Response: 'readonly',
        Request: 'readonly',
        Headers: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use a string-literal union, not an enum.' },
        // An optional argument is passed plainly (`{ signal }`): `signal?: AbortSignal` takes undefined as absent.
        {
          selector: `ConditionalExpression:matches([test.name=${OPTIONAL_ARGS}], [test.property.name=${OPTIONAL_ARGS}])[consequent.type='ObjectExpression'][alternate.type='ObjectExpression'][alternate.properties.length=0]`,
          message: 'Pass an optional argument plainly ({ signal }), not as a conditional spread.',
        },
      ],
    },
  },
  {
    // The dashboard's client script runs in the browser.
    files: ['http/dashboard/assets/**/*.js'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        location: 'readonly',
        EventSource: 'readonly',
        DOMParser: 'readonly',
      },
    },
  },
  {
    files: ['lib/**/*.ts', 'cmd/**/*.ts', 'http/**/*.ts'],
    plugins: { drover: layers },
    rules: { 'drover/layers': 'error' },
  },
  // Functions stay short: a longer one is split into named steps (style.md). Tests are exempt: a describe block
  // groups cases, and a table of cases is data.
  {
    files: ['**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
  // Exceptions, each with its reason.
  {
    // createServeMetrics is a table of the daemon's metric definitions (name, help, labels): data, not steps.
    files: ['lib/loop/serve-metrics.ts'],
    rules: { 'max-lines-per-function': 'off' },
  },
  // Formatting is Prettier's (npm run lint runs prettier --check); no stylistic rule may disagree with it.
  prettier,
  {
    files: ['lib/**/*.ts'],
    ignores: ['lib/**/*.test.ts', 'lib/**/testdata/**'],
    rules: {
      'no-console': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'exit', message: 'Only cmd/ decides exit codes.' },
        { object: 'process', property: 'stdout', message: 'lib/ reports through onEvent, never stdout.' },
      ],
    },
  },
);
