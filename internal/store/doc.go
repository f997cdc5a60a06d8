// Package store keeps cutover's data in one DuckDB database file. It is the
// only package that links DuckDB: it creates and upgrades the tables, loads
// parsed log records in bulk, keeps the manifest of loaded objects and runs
// queries.
//
// # Tables
//
//   - alb_access, alb_connection, nlb_tls: one row per log entry, columns
//     named after the AWS fields, plus source_uri and source_line (where the
//     row came from) and extra_fields (fields that this version does not know
//     yet).
//   - objects: the manifest, one row per loaded object with its ETag or
//     content hash and the parser version that read it.
//   - rejected_lines: every line no parser could read, with the reason and
//     its first MaxRawBytes bytes.
//   - schema_version: the migrations applied.
//
// All times are TIMESTAMPTZ in UTC, and every connection's TimeZone is UTC.
//
// # Concurrency
//
// DuckDB lets one process write a database file at a time. Open reports a
// file held by another process as a *LockedError, and can wait for it. Within
// one process, each Load runs on a connection of its own, so objects load in
// parallel.
package store
