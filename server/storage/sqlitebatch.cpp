#include "sqlitebatch.h"

#include "historyblocks.h"

#include <QSqlDriver>

#include <sqlite3.h>

#include <utility>

using namespace Qt::StringLiterals;

namespace cortado::storage {

namespace {

// SQLITE_STATIC: the bytes outlive the statement's step (they belong to the batch).
void bindText(sqlite3_stmt *statement, int index, const QByteArray &utf8)
{
    sqlite3_bind_text(statement, index, utf8.constData(), int(utf8.size()), SQLITE_STATIC);
}

} // namespace

std::unique_ptr<SqliteBatch> SqliteBatch::create(const QSqlDatabase &db, QString *error)
{
    const QVariant handle = db.driver() ? db.driver()->handle() : QVariant();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0) {
        *error = u"not a SQLite connection"_s;
        return nullptr;
    }
    sqlite3 *raw = *static_cast<sqlite3 *const *>(handle.constData());
    if (!raw) {
        *error = u"the SQLite connection is closed"_s;
        return nullptr;
    }
    std::unique_ptr<SqliteBatch> batch(new SqliteBatch(raw));
    const bool ok = batch->prepare(&batch->m_begin, "BEGIN", error)
            && batch->prepare(&batch->m_commit, "COMMIT", error)
            && batch->prepare(&batch->m_rollback, "ROLLBACK", error)
            && batch->prepare(&batch->m_insert,
                              "INSERT INTO cortado_history_blocks (route, room, first_seq, last_seq, created_at, frames) "
                              "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", error)
            && batch->prepare(&batch->m_room,
                              "INSERT INTO cortado_rooms (route, room, last_seq, pruned_seq) VALUES (?, ?, ?, ?) "
                              "ON CONFLICT (route, room) DO UPDATE SET last_seq = excluded.last_seq, "
                              "pruned_seq = MAX(excluded.pruned_seq, cortado_rooms.pruned_seq) "
                              "WHERE excluded.last_seq > cortado_rooms.last_seq", error)
            // The blocks wholly at or below the cut; first_seq <= ? lets the key serve it.
            && batch->prepare(&batch->m_prune,
                              "DELETE FROM cortado_history_blocks WHERE route = ? AND room = ? AND first_seq <= ?3 "
                              "AND last_seq <= ?3",
                              error)
            && batch->prepare(&batch->m_document,
                              "INSERT INTO cortado_documents (collection, doc_key, body, updated_at) "
                              "VALUES (?, ?, ?, ?) ON CONFLICT (collection, doc_key) DO UPDATE "
                              "SET body = excluded.body, updated_at = excluded.updated_at", error)
            && batch->prepare(&batch->m_reserve,
                              "INSERT INTO cortado_offsets (route, room, reserved_seq) VALUES (?, ?, ?) "
                              "ON CONFLICT (route, room) DO UPDATE SET reserved_seq = excluded.reserved_seq "
                              "WHERE excluded.reserved_seq > cortado_offsets.reserved_seq", error);
    return ok ? std::move(batch) : nullptr;
}

SqliteBatch::~SqliteBatch()
{
    for (sqlite3_stmt *statement : {m_begin, m_commit, m_rollback, m_insert, m_room, m_prune, m_document, m_reserve})
        sqlite3_finalize(statement); // null is a no-op
}

bool SqliteBatch::prepare(sqlite3_stmt **statement, const char *sql, QString *error)
{
    if (sqlite3_prepare_v3(m_db, sql, -1, SQLITE_PREPARE_PERSISTENT, statement, nullptr) == SQLITE_OK)
        return true;
    *error = QString::fromUtf8(sqlite3_errmsg(m_db));
    return false;
}

bool SqliteBatch::step(sqlite3_stmt *statement, QString *error)
{
    const int result = sqlite3_step(statement);
    sqlite3_reset(statement);
    if (result == SQLITE_DONE || result == SQLITE_ROW)
        return true;
    *error = QString::fromUtf8(sqlite3_errmsg(m_db));
    return false;
}

bool SqliteBatch::fail()
{
    QString ignored; // the error that made the batch fail is what the caller reports
    if (!sqlite3_get_autocommit(m_db))
        step(m_rollback, &ignored);
    return false;
}

bool SqliteBatch::write(const std::vector<WriteItem> &batch, const QList<Reservation> &reservations, QString *error)
{
    const HistoryBatch history = groupHistory(batch);
    // Each room's names as UTF-8 once, bound to every block of it.
    std::vector<std::pair<QByteArray, QByteArray>> names;
    names.reserve(history.rooms.size());
    for (const HistoryRoom &room : history.rooms)
        names.emplace_back(room.first->first.toUtf8(), room.first->second.toUtf8());

    if (!step(m_begin, error))
        return false;
    for (const HistoryBlock &block : history.blocks) {
        bindText(m_insert, 1, names[block.room].first);
        bindText(m_insert, 2, names[block.room].second);
        sqlite3_bind_int64(m_insert, 3, block.firstSeq);
        sqlite3_bind_int64(m_insert, 4, block.lastSeq);
        sqlite3_bind_int64(m_insert, 5, block.createdAt);
        bindText(m_insert, 6, block.frames);
        if (!step(m_insert, error))
            return fail();
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const WriteItem &item = batch[i];
        if (item.kind != WriteItem::Kind::Document)
            continue;
        bool later = false; // only the newest state of a document matters
        for (std::size_t j = i + 1; j < batch.size() && !later; ++j)
            later = batch[j].kind == WriteItem::Kind::Document && batch[j].first == item.first
                    && batch[j].second == item.second;
        if (later)
            continue;
        const QByteArray collection = item.first.toUtf8(), key = item.second.toUtf8();
        bindText(m_document, 1, collection);
        bindText(m_document, 2, key);
        bindText(m_document, 3, item.body);
        sqlite3_bind_int64(m_document, 4, item.at);
        if (!step(m_document, error))
            return fail();
    }
    for (std::size_t i = 0; i < history.rooms.size(); ++i) {
        const HistoryRoom &room = history.rooms[i];
        // The file stays proportional to the policy: the blocks wholly beyond the room's count go
        // with the batch; readers skip what is left below the cut in a block that straddles it.
        const qint64 cut = room.keep > 0 && room.last > room.keep ? room.last - room.keep : 0;
        bindText(m_room, 1, names[i].first);
        bindText(m_room, 2, names[i].second);
        sqlite3_bind_int64(m_room, 3, room.last);
        sqlite3_bind_int64(m_room, 4, cut);
        if (!step(m_room, error))
            return fail();
        if (cut > 0) {
            bindText(m_prune, 1, names[i].first);
            bindText(m_prune, 2, names[i].second);
            sqlite3_bind_int64(m_prune, 3, cut);
            if (!step(m_prune, error))
                return fail();
        }
    }
    for (const Reservation &reservation : reservations) {
        const QByteArray route = reservation.route.toUtf8(), room = reservation.room.toUtf8();
        bindText(m_reserve, 1, route);
        bindText(m_reserve, 2, room);
        sqlite3_bind_int64(m_reserve, 3, reservation.mark);
        if (!step(m_reserve, error))
            return fail();
    }
    if (!step(m_commit, error))
        return fail();
    return true;
}

} // namespace cortado::storage
