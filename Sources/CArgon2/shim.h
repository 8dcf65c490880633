#ifndef CARGON2_SHIM_H
#define CARGON2_SHIM_H
// Debian's libargon2 (the reference implementation): `apt-get install libargon2-dev`.
#include <argon2.h>
#endif
