import { defineConfig } from 'vitest/config';

// The tests against a real server start their own `parley serve` processes;
// they share two cores with everything else, so run files one at a time.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
