#ifndef CDUCKDB_SHIM_H
#define CDUCKDB_SHIM_H

// Compile against DuckDB's C API with every deprecated entry point hidden.
#define DUCKDB_API_NO_DEPRECATED
#include <duckdb.h>

// The one exception. DuckDB 1.5.5's C API has no non-deprecated way to produce a *streaming* result:
// `duckdb_pending_prepared` and `duckdb_execute_prepared` always materialise the whole result in memory
// (measured: 514 MB for 10M rows of three columns, whatever `memory_limit` says), while a streaming
// pending result reads the same rows in 37 MB. Until DuckDB ships its replacement, this declaration
// (identical to the one the header hides) keeps large reads in bounded memory. The symbol is exported
// by libduckdb 1.5.5; `duckdb_fetch_chunk` reads the result as usual.
duckdb_state duckdb_pending_prepared_streaming(duckdb_prepared_statement prepared_statement,
                                               duckdb_pending_result *out_result);

#endif
