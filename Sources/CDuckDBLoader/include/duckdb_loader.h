#ifndef DA_DUCKDB_LOADER_H
#define DA_DUCKDB_LOADER_H

/// The address of DuckDB C API function `name` in libduckdb, which is opened (once, thread-safely) on the first
/// call: `DUCKDB_LIBRARY` if set, else `libduckdb.so` found through the binary's rpath. A missing library or
/// symbol ends the process with a message saying how to install DuckDB.
void *da_duckdb_symbol(const char *name);

#endif
