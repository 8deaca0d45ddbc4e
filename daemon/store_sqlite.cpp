// Implemented by the store work in progress.
