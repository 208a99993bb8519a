/* Flash simulated in a file (nymote_flash_file.c); implements the flash part of
 * nymote_platform.h for the POSIX and semihosting platforms. */
#ifndef NYMOTE_FLASH_FILE_H
#define NYMOTE_FLASH_FILE_H
#include "nymote_platform.h"

/* Opens (creating, filled with 0xFF) a data partition of `size` bytes. */
int32_t nymote_flash_file_open(const char *path, uint32_t size);
void nymote_flash_file_close(void);
#endif
