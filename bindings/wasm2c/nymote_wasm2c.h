/*
 * The host side of a wasm2c-translated Nymote image. The image is always
 * translated with `wasm2c app.wasm -n nymote_app`, so its header is nymote_app.h
 * and its instance type Z_nymote_app_instance_t. Including that header here makes
 * the compiler check every generated import function against the module's own
 * declarations.
 */
#ifndef NYMOTE_WASM2C_H
#define NYMOTE_WASM2C_H

#include "nymote_abi.h"
#include "nymote_app.h"

/* What wasm2c passes to every import: the import module "nymote"'s instance. */
struct Z_nymote_instance_t {
  nymote_ctx ctx;
  wasm_rt_memory_t *memory;
};

/* Binds the imports to the module's exported memory (valid before instantiate:
 * the memory lives inside the instance struct). */
void nymote_wasm2c_attach(struct Z_nymote_instance_t *host, wasm_rt_memory_t *memory);

#endif
