#include "schema.h"

#include "database.h"

#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace cortado::storage {

namespace {

bool isSqliteConnection(const QSqlDatabase &db)
{
    return db.driverName() == "QSQLITE"_L1;
}

// cortado_history: every stored message (the frame as sent, offset included). On SQLite it is
// clustered on its key (WITHOUT ROWID: rows of a room are stored together, in offset order, and
// an insert touches one B-tree); PostgreSQL has no such table kind, and keeps its heap + index.
QString historyTable(const QSqlDatabase &db, const QString &name)
{
    return u"CREATE TABLE %1 (route TEXT NOT NULL, room TEXT NOT NULL, seq BIGINT NOT NULL, "
           u"created_at BIGINT NOT NULL, frame TEXT NOT NULL, PRIMARY KEY (route, room, seq))%2"_s
            .arg(name, isSqliteConnection(db) ? u" WITHOUT ROWID"_s : QString());
}

bool createTables(QSqlQuery &query, const QSqlDatabase &db, QString *error)
{
    return exec(query, historyTable(db, u"cortado_history"_s), error)
        // Each room's last stored offset.
        && exec(query, u"CREATE TABLE cortado_rooms (route TEXT NOT NULL, room TEXT NOT NULL, "
                       u"last_seq BIGINT NOT NULL, PRIMARY KEY (route, room))"_s, error)
        // Offsets reserved ahead of use: the next start continues above them (never reused).
        && exec(query, u"CREATE TABLE cortado_offsets (route TEXT NOT NULL, room TEXT NOT NULL, "
                       u"reserved_seq BIGINT NOT NULL, PRIMARY KEY (route, room))"_s, error)
        // The latest body of each document.
        && exec(query, u"CREATE TABLE cortado_documents (collection TEXT NOT NULL, "
                       u"doc_key TEXT NOT NULL, body TEXT NOT NULL, updated_at BIGINT NOT NULL, "
                       u"PRIMARY KEY (collection, doc_key))"_s, error);
}

// 1 → 2: SQLite's history moves into a clustered table (the rows are copied in key order; the
// other tables are unchanged). Nothing to do on PostgreSQL.
bool migrateFrom1(QSqlQuery &query, const QSqlDatabase &db, QString *error)
{
    if (!isSqliteConnection(db))
        return true;
    return exec(query, historyTable(db, u"cortado_history_v2"_s), error)
        && exec(query, u"INSERT INTO cortado_history_v2 (route, room, seq, created_at, frame) "
                       u"SELECT route, room, seq, created_at, frame FROM cortado_history ORDER BY route, room, seq"_s,
                error)
        && exec(query, u"DROP TABLE cortado_history"_s, error)
        && exec(query, u"ALTER TABLE cortado_history_v2 RENAME TO cortado_history"_s, error);
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
    if (version == SchemaVersion)
        return true;
    if (version > SchemaVersion) {
        *error = u"the database has schema version %1, written by a newer Cortado; this one knows up to %2"_s
                         .arg(version)
                         .arg(SchemaVersion);
        return false;
    }
    if (!db.transaction()) {
        *error = db.lastError().text();
        return false;
    }
    QSqlQuery query(db);
    bool ok = version == 0 ? createTables(query, db, error) : migrateFrom1(query, db, error);
    // The version is recorded from 2 on (a later migration updates the row).
    ok = ok && exec(query, u"CREATE TABLE cortado_schema (version INTEGER NOT NULL)"_s, error);
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
        qCInfo(lcStorage, "database schema migrated from version %d to %d", version, SchemaVersion);
    return true;
}

} // namespace cortado::storage
