#include "writer.h"

#include "historyblocks.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace cortado {

using namespace storage;

void StorageWriter::run()
{
    const QString name = u"cortado-writer"_s;
    std::vector<WriteItem> batch;
    QList<Reservation> reservations;
    int backoffMs = 100;
    qint64 batchesSinceCleanup = 0;
    for (;;) {
        if (batch.empty() && reservations.isEmpty() && !takeWork(&batch, &reservations))
            break; // stopping, and nothing left
        QString error;
        // The file is checked before and after: rows committed into a deleted file are not stored.
        if (ensureConnected(name, &error) && fileUsable(&error) && write(name, batch, reservations, &error)
            && fileUsable(&error)) {
            if (!m_shared->connected.exchange(true))
                qCInfo(lcStorage, "database reachable; writing the backlog");
            m_shared->written += qint64(batch.size());
            QMutexLocker lock(&m_shared->mutex);
            publish(reservations);
            m_shared->lastError.clear();
            m_shared->inFlight = 0;
            m_shared->inFlightOldestAt = 0;
            m_shared->queuedBytes -= m_shared->inFlightBytes;
            m_shared->inFlightBytes = 0;
            m_shared->drained.wakeAll();
            const bool wroteSomething = !batch.empty();
            batch.clear();
            reservations.clear();
            backoffMs = 100;
            if (wroteSomething && ++batchesSinceCleanup >= 1000) {
                batchesSinceCleanup = 0;
                lock.unlock();
                deleteOldHistory(name);
            }
            continue;
        }
        // Keep the batch and retry: accepted writes are never dropped.
        ++m_shared->failures;
        const bool wasConnected = m_shared->connected.exchange(false);
        QMutexLocker lock(&m_shared->mutex);
        if (wasConnected || error != m_shared->lastError)
            qCWarning(lcStorage, "database write failed, retrying: %s", qUtf8Printable(error));
        m_shared->lastError = error;
        m_shared->reservedChanged.wakeAll(); // a waiting reservation gives up now
        lock.unlock();
        // A connection to an unusable file is kept, unused, until the file is usable again:
        // closing it would checkpoint the WAL into it, and reopening is refused anyway.
        if (!m_fileProblem)
            disconnect(name);
        lock.relock();
        m_shared->writerIdle = true; // a new write cuts the backoff short
        m_shared->wake.wait(&m_shared->mutex, backoffMs);
        m_shared->writerIdle = false;
        if (m_shared->stopping && m_abandon)
            break;
        backoffMs = std::min(backoffMs * 2, 5000);
    }
    if (!m_abandon)
        releaseReservations(name);
    disconnect(name);
}

void StorageWriter::disconnect(const QString &name)
{
    m_sqlite.reset(); // its statements go before the connection
    closeConnection(name);
}


// Waits for writes or reservation requests; wakes every second when idle to look at the file.
// False when stopping with nothing left to write.
bool StorageWriter::takeWork(std::vector<WriteItem> *batch, QList<Reservation> *reservations)
{
    QMutexLocker lock(&m_shared->mutex);
    if (m_shared->queue.empty() && m_shared->reserveRequests.isEmpty() && !m_shared->stopping) {
        m_shared->writerIdle = true;
        m_shared->wake.wait(&m_shared->mutex, 1000);
        m_shared->writerIdle = false;
    }
    if (m_shared->queue.empty() && m_shared->stopping)
        return false;
    // Group commit: a commit costs far more than a row, so a batch that is not full waits a
    // moment for more, unless a reservation, a flush() or a stop is waiting for it.
    if (!m_shared->queue.empty() && m_config.batchDelayMs > 0) {
        const QDeadlineTimer deadline(m_config.batchDelayMs, Qt::PreciseTimer);
        while (qsizetype(m_shared->queue.size()) < m_config.batchSize && m_shared->reserveRequests.isEmpty()
               && !m_shared->stopping && m_shared->flushing == 0 && !deadline.hasExpired()) {
            m_shared->writerLingering = true;
            m_shared->wake.wait(&m_shared->mutex, deadline);
            m_shared->writerLingering = false;
        }
    }
    *reservations = m_shared->reserveRequests.values();
    while (!m_shared->queue.empty() && qsizetype(batch->size()) < m_config.batchSize) {
        m_shared->inFlightBytes += m_shared->queue.front().bytes();
        batch->push_back(std::move(m_shared->queue.front()));
        m_shared->queue.pop_front();
    }
    m_shared->inFlight = qsizetype(batch->size());
    m_shared->inFlightOldestAt = batch->empty() ? 0 : batch->front().at;
    return true;
}

// Under the mutex: committed reservations become usable, and satisfied requests are done.
void StorageWriter::publish(const QList<Reservation> &reservations)
{
    if (reservations.isEmpty())
        return;
    for (const Reservation &reservation : reservations) {
        const QString key = roomKey(reservation.route, reservation.room);
        qint64 &mark = m_shared->reserved[key];
        mark = std::max(mark, reservation.mark);
        const auto request = m_shared->reserveRequests.constFind(key);
        if (request != m_shared->reserveRequests.cend() && request->mark <= mark)
            m_shared->reserveRequests.erase(request);
    }
    m_shared->reservedChanged.wakeAll();
}

bool StorageWriter::fileUsable(QString *error)
{
    if (!isSqlite(m_config.url))
        return true;
    const QString problem = sqliteFileProblem(sqlitePath(m_config.url), m_file);
    m_fileProblem = !problem.isEmpty();
    if (problem.isEmpty())
        return true;
    if (!m_noteLeft) {
        m_noteLeft = true;
        leaveNoteForLostFolder(sqlitePath(m_config.url));
    }
    *error = problem;
    return false;
}

bool StorageWriter::ensureConnected(const QString &name, QString *error)
{
    if (QSqlDatabase::contains(name) && QSqlDatabase::database(name, false).isOpen())
        return true;
    if (QSqlDatabase::contains(name)) {
        m_sqlite.reset();
        QSqlDatabase::removeDatabase(name);
    }
    // Only the very file start-up opened: never a new one in its place.
    if (!fileUsable(error))
        return false;
    return openConnection(m_config.url, name, error).isOpen();
}

bool StorageWriter::write(const QString &name, const std::vector<WriteItem> &batch, const QList<Reservation> &reservations,
           QString *error)
{
    if (batch.empty() && reservations.isEmpty())
        return true; // an idle look at the file
    QSqlDatabase db = QSqlDatabase::database(name, false);
    if (isSqlite(m_config.url)) {
        if (!m_sqlite)
            m_sqlite = SqliteBatch::create(db, error);
        return m_sqlite && m_sqlite->write(batch, reservations, error);
    }
    return writeQtSql(db, batch, reservations, error);
}

// PostgreSQL (QtSql's QPSQL): a round trip per statement, so the history rows go in one
// multi-row INSERT per batch.
bool StorageWriter::writeQtSql(QSqlDatabase &db, const std::vector<WriteItem> &batch,
                               const QList<Reservation> &reservations, QString *error)
{
    if (!db.transaction()) {
        *error = db.lastError().text();
        return false;
    }
    QSqlQuery rooms(db), document(db), prune(db), reserve(db);
    rooms.prepare(u"INSERT INTO cortado_rooms (route, room, last_seq, pruned_seq) VALUES (?, ?, ?, ?) "
                  u"ON CONFLICT (route, room) DO UPDATE SET last_seq = excluded.last_seq, "
                  u"pruned_seq = GREATEST(excluded.pruned_seq, cortado_rooms.pruned_seq) "
                  u"WHERE excluded.last_seq > cortado_rooms.last_seq"_s);
    document.prepare(u"INSERT INTO cortado_documents (collection, doc_key, body, updated_at) "
                     u"VALUES (?, ?, ?, ?) ON CONFLICT (collection, doc_key) DO UPDATE "
                     u"SET body = excluded.body, updated_at = excluded.updated_at"_s);
    // The blocks wholly at or below the cut; first_seq <= cut lets the key serve it.
    prune.prepare(u"DELETE FROM cortado_history_blocks WHERE route = ? AND room = ? AND first_seq <= ? "
                  u"AND last_seq <= ?"_s);
    // Binds `values`, runs `query`; on failure the transaction is rolled back and `error` says why.
    auto run = [&](QSqlQuery &query, std::initializer_list<QVariant> values) {
        for (const QVariant &value : values)
            query.addBindValue(value);
        if (query.exec())
            return true;
        *error = query.lastError().text();
        db.rollback();
        return false;
    };
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (batch[i].kind != WriteItem::Kind::Document || laterDocumentInBatch(batch, i))
            continue; // only the newest state of a document matters
        const WriteItem &item = batch[i];
        if (!run(document, {item.first, item.second, QString::fromUtf8(item.body), item.at}))
            return false;
    }
    const HistoryBatch history = groupHistory(batch);
    if (!insertHistory(db, history.blocks, error)) {
        db.rollback();
        return false;
    }
    for (const HistoryRoom &room : history.rooms) {
        // The file stays proportional to the policy: the blocks wholly beyond the room's count go
        // with the batch; readers skip what is left below the cut in a block that straddles it.
        const qint64 cut = room.keep > 0 && room.last > room.keep ? room.last - room.keep : 0;
        const QString &route = room.first->first, &name = room.first->second;
        if (!run(rooms, {route, name, room.last, cut}))
            return false;
        if (cut > 0 && !run(prune, {route, name, cut, cut}))
            return false;
    }
    if (!reservations.isEmpty()) {
        reserve.prepare(u"INSERT INTO cortado_offsets (route, room, reserved_seq) VALUES (?, ?, ?) "
                        u"ON CONFLICT (route, room) DO UPDATE SET reserved_seq = excluded.reserved_seq "
                        u"WHERE excluded.reserved_seq > cortado_offsets.reserved_seq"_s);
        for (const Reservation &reservation : reservations) {
            if (!run(reserve, {reservation.route, reservation.room, reservation.mark}))
                return false;
        }
    }
    if (!db.commit()) {
        *error = db.lastError().text();
        db.rollback();
        return false;
    }
    return true;
}

// One multi-row INSERT: ~6x faster on PostgreSQL than a statement per row.
bool StorageWriter::insertHistory(QSqlDatabase &db, const std::vector<storage::HistoryBlock> &blocks, QString *error)
{
    if (blocks.empty())
        return true;
    QString sql = u"INSERT INTO cortado_history_blocks (route, room, first_seq, last_seq, created_at, frames) "
                  u"VALUES (?,?,?,?,?,?)"_s;
    for (std::size_t i = 1; i < blocks.size(); ++i)
        sql += u",(?,?,?,?,?,?)"_s;
    sql += u" ON CONFLICT DO NOTHING"_s;
    QSqlQuery query(db);
    query.prepare(sql);
    for (const HistoryBlock &block : blocks) {
        query.addBindValue(block.first->first);
        query.addBindValue(block.first->second);
        query.addBindValue(block.firstSeq);
        query.addBindValue(block.lastSeq);
        query.addBindValue(block.createdAt);
        query.addBindValue(QString::fromUtf8(block.frames));
    }
    if (!query.exec()) {
        *error = query.lastError().text();
        return false;
    }
    return true;
}

bool StorageWriter::laterDocumentInBatch(const std::vector<WriteItem> &batch, std::size_t index)
{
    for (std::size_t later = index + 1; later < batch.size(); ++later) {
        if (batch[later].kind == WriteItem::Kind::Document && batch[later].first == batch[index].first
            && batch[later].second == batch[index].second)
            return true;
    }
    return false;
}

void StorageWriter::deleteOldHistory(const QString &name)
{
    QSqlQuery query(QSqlDatabase::database(name, false));
    // created_at is a block's newest message: a block goes when all of it is too old.
    query.prepare(u"DELETE FROM cortado_history_blocks WHERE created_at < ?"_s);
    query.addBindValue(QDateTime::currentMSecsSinceEpoch() - qint64(m_config.historyMaxAgeSeconds) * 1000);
    query.exec();
}

// After a clean stop every offset handed out is committed, so the reserved marks can come back
// down to the rooms' last offsets: a restart then continues without a gap. (Appends are refused
// from the moment stop() began, so no offset beyond them is out.)
void StorageWriter::releaseReservations(const QString &name)
{
    QString error;
    if (!ensureConnected(name, &error) || !fileUsable(&error))
        return;
    QSqlQuery query(QSqlDatabase::database(name, false));
    if (!query.exec(u"UPDATE cortado_offsets SET reserved_seq = COALESCE((SELECT r.last_seq FROM cortado_rooms r "
                    u"WHERE r.route = cortado_offsets.route AND r.room = cortado_offsets.room), 0)"_s))
        qCWarning(lcStorage, "could not release the reserved offsets: %s", qUtf8Printable(query.lastError().text()));
    else // rooms joined but never written to: nothing to remember
        query.exec(u"DELETE FROM cortado_offsets WHERE reserved_seq = 0"_s);
}

} // namespace cortado
