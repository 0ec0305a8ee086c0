// The tables storage keeps, and their version. Internal to the storage library.
#pragma once

#include <QSqlDatabase>
#include <QString>

namespace cortado::storage {

// The schema this build writes, recorded in cortado_schema. 1: the tables below (a database with
// cortado_history but no cortado_schema was written before the version was recorded: it is 1 too).
// A later change of the tables bumps it and adds its migration to createSchema().
// (Measured and not taken: history as a WITHOUT ROWID table clustered on (route, room, seq) — one
// B-tree insert per message instead of two, but rows inserted into the middle of the tree split
// pages, and the writer cost as much or more per message: docs/architecture.md, "Storage".)
inline constexpr int SchemaVersion = 1;

// Which version the database holds: 0 for an empty database, -1 with `error` set when it cannot
// be read.
int schemaVersion(QSqlDatabase &db, QString *error);

// Creates the tables of a new database, or brings an older one to SchemaVersion, in one
// transaction. False with `error` set when that fails, or when the database was written by a
// newer Cortado (its schema is not understood here: nothing is changed).
bool createSchema(QSqlDatabase &db, QString *error);

} // namespace cortado::storage
