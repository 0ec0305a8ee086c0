// The reader pool: history reads after start-up run off the event loop, on their own connections.
#include "storage.h"

#include "database.h"
#include "historyblocks.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QThreadPool>
#include <QtConcurrent>

#include <algorithm>
#include <stdexcept>

using namespace Qt::StringLiterals;

namespace cortado {

using namespace storage;

QFuture<QList<HistoryEntry>> Storage::readHistory(const QString &route, const QString &room, qint64 since,
                                                  int limit) const
{
    static QThreadPool readers;
    readers.setMaxThreadCount(2);
    const QString url = m_config.url;
    return QtConcurrent::run(&readers, [url, route, room, since, limit] {
        // A connection per read: reader threads come and go, and QtSql connections are per thread.
        const QString name = u"cortado-reader-%1"_s.arg(quintptr(QThread::currentThreadId()));
        QList<HistoryEntry> entries;
        QString error;
        {
            QSqlDatabase db = openConnection(url, name, &error);
            if (!db.isOpen()) {
                db = {};
                closeConnection(name);
                throw std::runtime_error(error.toStdString());
            }
            QSqlQuery query(db);
            // Messages below the room's prune cut may be left in a block that straddles it: not history.
            query.prepare(u"SELECT pruned_seq FROM cortado_rooms WHERE route = ? AND room = ?"_s);
            query.addBindValue(route);
            query.addBindValue(room);
            bool ok = query.exec();
            const qint64 after = std::max(since, ok && query.next() ? query.value(0).toLongLong() : 0);
            // The blocks holding offsets after `after`: a block spans fewer than BlockMaxMessages
            // offsets, so first_seq > after - BlockMaxMessages lets the key serve the range, and each
            // block gives at least one entry, so `limit` blocks are enough.
            if (ok) {
                query.prepare(u"SELECT first_seq, last_seq, created_at, frames FROM cortado_history_blocks "
                              u"WHERE route = ? AND room = ? AND first_seq > ? AND last_seq > ? "
                              u"ORDER BY first_seq LIMIT ?"_s);
                query.addBindValue(route);
                query.addBindValue(room);
                query.addBindValue(after - BlockMaxMessages);
                query.addBindValue(after);
                query.addBindValue(limit);
                ok = query.exec();
            }
            while (ok && query.next() && entries.size() < limit) {
                const qint64 first = query.value(0).toLongLong(), last = query.value(1).toLongLong();
                if (!splitBlock(first, last, query.value(2).toLongLong(), query.value(3).toString().toUtf8(), after,
                                &entries, limit))
                    qCWarning(lcStorage, "history of %s %s: a malformed block (offsets %lld..%lld) is skipped",
                              qUtf8Printable(route), qUtf8Printable(room), first, last);
            }
            if (!ok)
                error = query.lastError().text();
        }
        closeConnection(name);
        if (!error.isEmpty())
            throw std::runtime_error(error.toStdString());
        return entries;
    });
}

} // namespace cortado
