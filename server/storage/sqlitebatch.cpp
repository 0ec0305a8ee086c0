#include "sqlitebatch.h"

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
                              "INSERT INTO cortado_history (route, room, seq, created_at, frame) "
                              "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", error)
            && batch->prepare(&batch->m_room,
                              "INSERT INTO cortado_rooms (route, room, last_seq) VALUES (?, ?, ?) "
                              "ON CONFLICT (route, room) DO UPDATE SET last_seq = excluded.last_seq "
                              "WHERE excluded.last_seq > cortado_rooms.last_seq", error)
            && batch->prepare(&batch->m_prune, "DELETE FROM cortado_history WHERE route = ? AND room = ? AND seq <= ?",
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
    // Each room of the batch once: its names as UTF-8 (bound to every row of it), its last offset.
    struct Room
    {
        const WriteItem *first; // its route and room
        QByteArray route, room;
        qint64 last = 0;
        int keep = 0;
    };
    std::vector<Room> rooms;
    QHash<std::pair<QString, QString>, std::size_t> roomIndex;
    std::vector<std::size_t> rowRoom(batch.size());
    std::size_t previous = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const WriteItem &item = batch[i];
        if (item.kind != WriteItem::Kind::History)
            continue;
        // Consecutive rows of one room are the common case: no lookup for them.
        std::size_t index = previous;
        if (rooms.empty() || rooms[index].first->first != item.first || rooms[index].first->second != item.second) {
            const std::pair<QString, QString> key(item.first, item.second);
            const auto known = roomIndex.constFind(key);
            if (known == roomIndex.cend()) {
                index = rooms.size();
                roomIndex.insert(key, index);
                rooms.push_back(Room{&item, item.first.toUtf8(), item.second.toUtf8()});
            } else {
                index = *known;
            }
        }
        Room &room = rooms[index];
        room.last = std::max(room.last, item.offset);
        room.keep = item.keep;
        rowRoom[i] = previous = index;
    }

    if (!step(m_begin, error))
        return false;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const WriteItem &item = batch[i];
        if (item.kind == WriteItem::Kind::History) {
            const Room &room = rooms[rowRoom[i]];
            bindText(m_insert, 1, room.route);
            bindText(m_insert, 2, room.room);
            sqlite3_bind_int64(m_insert, 3, item.offset);
            sqlite3_bind_int64(m_insert, 4, item.at);
            bindText(m_insert, 5, item.body);
            if (!step(m_insert, error))
                return fail();
            continue;
        }
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
    for (const Room &room : rooms) {
        bindText(m_room, 1, room.route);
        bindText(m_room, 2, room.room);
        sqlite3_bind_int64(m_room, 3, room.last);
        if (!step(m_room, error))
            return fail();
        // The file stays proportional to the policy: the rows beyond the room's count go with
        // the batch (an index range delete on the primary key).
        if (room.keep > 0 && room.last > room.keep) {
            bindText(m_prune, 1, room.route);
            bindText(m_prune, 2, room.room);
            sqlite3_bind_int64(m_prune, 3, room.last - room.keep);
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
