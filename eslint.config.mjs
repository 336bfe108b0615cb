// The linter's rules: what the formatter cannot decide (function length, complexity, casts that lie).
// An exception is marked in the code, on the line it concerns, with its reason.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // bench/bare-ws.cjs is the team's yardstick, copied verbatim from ../shared/bench/bare-ws.js.
  { ignores: ['dist/', 'node_modules/', 'reports/', 'bench/bare-ws.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The bench's plain loops are CommonJS scripts in the style of ../shared/bench/bare-ws.js.
    files: ['bench/**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'max-lines': ['error', { max: 300, skipBlankLines: false, skipComments: false }],
      // Prettier breaks code at 120 columns but not strings or comments: this catches those.
      'max-len': ['error', { code: 120, tabWidth: 2 }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
      complexity: ['error', 20],
      'max-depth': ['error', 4],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'TSAsExpression > TSNeverKeyword.typeAnnotation',
          message: '`as never` hides a type error: type the value, or mark the line with the reason',
        },
        {
          selector: 'TSAsExpression[typeAnnotation.type!="TSUnknownKeyword"] > TSAsExpression > TSUnknownKeyword',
          message: '`as unknown as` hides a type error: type the value, or mark the line with the reason',
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests and benchmarks are scripts: a test body is as long as its story, and a bench prints a report.
    // Tests also hand deliberately partial or wrong values to the code under test, which takes a cast.
    files: ['test/**', 'bench/**'],
    rules: {
      'max-lines-per-function': 'off',
      complexity: 'off',
      'max-lines': 'off',
      'max-depth': 'off',
      'no-restricted-syntax': 'off',
      'max-len': 'off',
    },
  },
);
