// Error codes shared by every part; mirrors bindings/abi/core.json (a test checks).
// Errors are return values: negative i32, 0 for success.
export const OK: i32 = 0;
export const E_INVAL: i32 = -1;
export const E_BOUNDS: i32 = -2;
export const E_NOMEM: i32 = -3;
export const E_IO: i32 = -4;
export const E_CORRUPT: i32 = -5;
export const E_AUTH: i32 = -6;
export const E_NOTFOUND: i32 = -7;
export const E_FULL: i32 = -8;
export const E_CONFLICT: i32 = -9;
export const E_PROTO: i32 = -10;
export const E_DENIED: i32 = -11;
export const E_AGAIN: i32 = -12;
export const E_LIMIT: i32 = -13;
export const E_STATE: i32 = -14;
export const E_UNSUPPORTED: i32 = -15;
