// Store tests: work in progress.
