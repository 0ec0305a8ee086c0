// The tables storage keeps, and their version. Internal to the storage library.
#pragma once

#include <QSqlDatabase>
#include <QString>

namespace cortado::storage {

// The schema this build writes, recorded in cortado_schema.
// 1: history one row per message in cortado_history (a database with cortado_history but no
//    cortado_schema was written before the version was recorded: it is 1 too).
// 2: history in blocks of consecutive messages, cortado_history_blocks (storage/historyblocks.h),
//    and cortado_rooms.pruned_seq. createSchema() migrates 1 to 2 in one transaction.
// A later change of the tables bumps it and adds its migration to createSchema().
// (Measured and not taken: version 1's history as a WITHOUT ROWID table clustered on
// (route, room, seq) — one B-tree insert per message instead of two, but rows inserted into the
// middle of the tree split pages, and the writer cost as much or more per message:
// docs/architecture.md, "Presence, history, storage, workers".)
inline constexpr int SchemaVersion = 2;

// Which version the database holds: 0 for an empty database, -1 with `error` set when it cannot
// be read.
int schemaVersion(QSqlDatabase &db, QString *error);

// Creates the tables of a new database, or brings an older one to SchemaVersion, in one
// transaction. False with `error` set when that fails, or when the database was written by a
// newer Cortado (its schema is not understood here: nothing is changed).
bool createSchema(QSqlDatabase &db, QString *error);

} // namespace cortado::storage
