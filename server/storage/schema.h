// The tables storage keeps, and their version. Internal to the storage library.
#pragma once

#include <QSqlDatabase>
#include <QString>

namespace cortado::storage {

// The schema this build writes. 1: the first (no version recorded: a database with
// cortado_history but no cortado_schema is version 1). 2: on SQLite, cortado_history is a
// WITHOUT ROWID table clustered on its key (route, room, seq): a stored message is one B-tree
// insert instead of two (the table by rowid, then the key's index).
inline constexpr int SchemaVersion = 2;

// Which version the database holds: 0 for an empty database, -1 with `error` set when it cannot
// be read.
int schemaVersion(QSqlDatabase &db, QString *error);

// Creates the tables of a new database, or migrates an older one to SchemaVersion, in one
// transaction. False with `error` set when that fails, or when the database was written by a
// newer Cortado (its schema is not understood here: nothing is changed).
bool createSchema(QSqlDatabase &db, QString *error);

} // namespace cortado::storage
