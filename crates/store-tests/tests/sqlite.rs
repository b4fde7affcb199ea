//! The store conformance suite on SQLite (a temp file per test).

tracefix_store_tests::conformance_tests!(tracefix_store_tests::Target::Sqlite);
