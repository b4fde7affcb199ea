//! The store conformance suite on PostgreSQL at `TEST_DATABASE_URL`
//! (default `postgres://postgres@127.0.0.1:5432/test`), a fresh schema per
//! test. Fails when the database is unreachable, unless
//! `TRACEFIX_SKIP_POSTGRES=1`.

tracefix_store_tests::conformance_tests!(tracefix_store_tests::Target::Postgres);
