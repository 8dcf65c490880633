#include "include/duckdb_loader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__APPLE__)
#define DA_DUCKDB_DEFAULT "libduckdb.dylib"
#else
#define DA_DUCKDB_DEFAULT "libduckdb.so"
#endif

static void *library;
static pthread_once_t opened = PTHREAD_ONCE_INIT;

static void open_library(void) {
    const char *override = getenv("DUCKDB_LIBRARY");
    const char *path = (override && *override) ? override : DA_DUCKDB_DEFAULT;
    // RTLD_GLOBAL: DuckDB's extensions resolve DuckDB's symbols from the global scope.
    library = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
    if (!library) {
        fprintf(stderr,
                "Cannot load DuckDB 1.5.5 (%s): %s\n"
                "Install it with `make` (scripts/setup-duckdb.sh fills DUCKDB_HOME), or set DUCKDB_LIBRARY to the "
                "path of libduckdb.\n",
                path, dlerror());
        exit(70);
    }
}

void *da_duckdb_symbol(const char *name) {
    pthread_once(&opened, open_library);
    void *symbol = dlsym(library, name);
    if (!symbol) {
        fprintf(stderr, "The loaded libduckdb has no function %s: it is not DuckDB 1.5.5.\n", name);
        exit(70);
    }
    return symbol;
}
