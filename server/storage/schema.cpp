#include "schema.h"

#include "database.h"

#include <QSqlError>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace cortado::storage {

namespace {

// cortado_history_blocks: every stored message (the frame as sent, offset included), in blocks of
// consecutive messages of a room (historyblocks.h); cortado_rooms: each room's last stored offset,
// and the offset up to which its history was pruned (a block partly below it stays, readers skip
// those messages); cortado_offsets: offsets reserved ahead of use (a start continues above them);
// cortado_documents: the latest body of each document.
bool createTables(QSqlQuery &query, QString *error)
{
    return exec(query, u"CREATE TABLE IF NOT EXISTS cortado_history_blocks (route TEXT NOT NULL, "
                       u"room TEXT NOT NULL, first_seq BIGINT NOT NULL, last_seq BIGINT NOT NULL, "
                       u"created_at BIGINT NOT NULL, frames TEXT NOT NULL, PRIMARY KEY (route, room, first_seq))"_s,
                error)
        && exec(query, u"CREATE TABLE IF NOT EXISTS cortado_rooms (route TEXT NOT NULL, room TEXT NOT NULL, "
                       u"last_seq BIGINT NOT NULL, pruned_seq BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (route, room))"_s,
                error)
        // Offsets reserved ahead of use: the next start continues above them (never reused).
        && exec(query, u"CREATE TABLE IF NOT EXISTS cortado_offsets (route TEXT NOT NULL, room TEXT NOT NULL, "
                       u"reserved_seq BIGINT NOT NULL, PRIMARY KEY (route, room))"_s, error)
        && exec(query, u"CREATE TABLE IF NOT EXISTS cortado_documents (collection TEXT NOT NULL, "
                       u"doc_key TEXT NOT NULL, body TEXT NOT NULL, updated_at BIGINT NOT NULL, "
                       u"PRIMARY KEY (collection, doc_key))"_s, error);
}

// 1 → 2, inside createSchema()'s transaction (SQLite and PostgreSQL alike): each row of
// cortado_history becomes a block of one message, and cortado_rooms gets pruned_seq (0: version 1
// pruned whole rows, nothing is left below its cut). createTables() has made the new table.
bool migrateFrom1(QSqlQuery &query, QString *error)
{
    return exec(query, u"ALTER TABLE cortado_rooms ADD COLUMN pruned_seq BIGINT NOT NULL DEFAULT 0"_s, error)
        && exec(query, u"INSERT INTO cortado_history_blocks (route, room, first_seq, last_seq, created_at, frames) "
                       u"SELECT route, room, seq, seq, created_at, frame FROM cortado_history"_s, error)
        && exec(query, u"DROP TABLE cortado_history"_s, error);
}

} // namespace

int schemaVersion(QSqlDatabase &db, QString *error)
{
    const QStringList tables = db.tables();
    if (tables.contains("cortado_schema"_L1)) {
        QSqlQuery query(db);
        if (!exec(query, u"SELECT MAX(version) FROM cortado_schema"_s, error))
            return -1;
        return query.next() ? query.value(0).toInt() : 0;
    }
    // Databases from before the version was recorded.
    return tables.contains("cortado_history"_L1) ? 1 : 0;
}

bool createSchema(QSqlDatabase &db, QString *error)
{
    const int version = schemaVersion(db, error);
    if (version < 0)
        return false;
    if (version > SchemaVersion) {
        *error = u"the database has schema version %1, written by a newer Cortado; this one knows up to %2"_s
                         .arg(version)
                         .arg(SchemaVersion);
        return false;
    }
    if (version == SchemaVersion && db.tables().contains("cortado_schema"_L1))
        return true;
    if (!db.transaction()) {
        *error = db.lastError().text();
        return false;
    }
    QSqlQuery query(db);
    if (db.driverName() == "QPSQL"_L1) {
        // Nodes of a cluster start together on one database: one creates or migrates the schema,
        // the others wait for it here (CREATE TABLE IF NOT EXISTS alone races in PostgreSQL).
        if (!exec(query, u"SELECT pg_advisory_xact_lock(7362846)"_s, error)) {
            db.rollback();
            return false;
        }
        const int now = schemaVersion(db, error);
        if (now < 0 || (now == SchemaVersion && db.tables().contains("cortado_schema"_L1))) {
            db.rollback();
            return now >= 0;
        }
    }
    bool ok = createTables(query, error) && (version != 1 || migrateFrom1(query, error))
            && exec(query, u"CREATE TABLE IF NOT EXISTS cortado_schema (version INTEGER NOT NULL)"_s, error);
    if (ok) {
        query.prepare(u"INSERT INTO cortado_schema (version) VALUES (?)"_s);
        query.addBindValue(SchemaVersion);
        ok = query.exec();
        if (!ok)
            *error = query.lastError().text();
    }
    if (!ok) {
        db.rollback();
        return false;
    }
    if (!db.commit()) {
        *error = db.lastError().text();
        db.rollback();
        return false;
    }
    if (version > 0)
        qCInfo(lcStorage, "database schema: version %d migrated to %d", version, SchemaVersion);
    return true;
}

} // namespace cortado::storage
