// The writer's SQLite path, on SQLite's own API over the connection QtSql opened. Internal to the
// storage library; writer thread only.
//
// Why not QtSql here: per bound value QtSql builds a QVariant and a placeholder name, binds text
// as UTF-16 (which SQLite converts back to UTF-8), and its prepared statements live per batch.
// Here the statements stay prepared for the connection's life, and a frame is bound as the UTF-8
// bytes the hub sent, without a copy (bench_storage, docs/architecture.md "Storage").
#pragma once

#include "writequeue.h"

#include <QSqlDatabase>

#include <memory>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace cortado::storage {

class SqliteBatch
{
public:
    // nullptr with `error` set when `db` is not an open SQLite connection or a statement fails
    // to prepare. Must be destroyed before the connection closes (it finalizes its statements).
    static std::unique_ptr<SqliteBatch> create(const QSqlDatabase &db, QString *error);
    ~SqliteBatch();
    SqliteBatch(const SqliteBatch &) = delete;
    SqliteBatch &operator=(const SqliteBatch &) = delete;

    // One transaction: the history blocks, each room's last offset and count pruning, the newest
    // state of each document, and the reservations. On failure it is rolled back.
    bool write(const std::vector<WriteItem> &batch, const QList<Reservation> &reservations, QString *error);

private:
    explicit SqliteBatch(sqlite3 *db) : m_db(db) { }
    bool prepare(sqlite3_stmt **statement, const char *sql, QString *error);
    bool step(sqlite3_stmt *statement, QString *error);
    bool fail(); // rolls back; false

    sqlite3 *m_db = nullptr;
    sqlite3_stmt *m_begin = nullptr, *m_commit = nullptr, *m_rollback = nullptr;
    sqlite3_stmt *m_insert = nullptr, *m_room = nullptr, *m_prune = nullptr, *m_document = nullptr,
                 *m_reserve = nullptr;
};

} // namespace cortado::storage
