// Lint rules for our TypeScript; generated and built files are ignored.
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/",
      "**/.wrangler/",
      "**/.build/",
      "**/worker-configuration.d.ts",
      "workers/worker-runtime.d.ts",
      "migrations/",
      "public/build/",
      "client/dist/",
      "workers/*/dist/",
      // An app's files, checked by that app's own tsc in the starter check (scripts/starter-check.mjs).
      "workers/create-tether/template/",
      "test/starter/",
    ],
  },
  ...tseslint.configs.strict,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": ["error", { allow: ["error", "warn"] }],
      eqeqeq: "error",
      // zod's `z` is a namespace re-export esbuild cannot tree-shake: it bundled all of zod, its
      // locales and JSON-Schema import included (hundreds of KiB in each Worker). A type import is erased.
      "no-restricted-syntax": [
        "error",
        {
          selector: "ImportDeclaration[source.value='zod'][importKind!='type'] > ImportSpecifier[imported.name='z'][importKind!='type']",
          message: 'Import zod as `import * as z from "zod"`.',
        },
      ],
    },
  },
  {
    // Command-line tools: printing is their output.
    files: ["scripts/**/*.mjs", "bench/**/*.ts", "bench/**/*.mjs", ".ci/**/*.mjs", "workers/*/bin/*.mjs"],
    rules: { "no-console": "off" },
  },
);
