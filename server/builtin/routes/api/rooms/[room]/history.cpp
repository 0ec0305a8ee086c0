// GET /api/rooms/<room>/history[?since=0&limit=100&route=/chat] — the room's messages after offset
// `since`, oldest first, read from storage on a reader thread (from memory when the server has no
// storage). `limit` is at most 500.
#include <cortado/route.h>

#include <cortado/storage.h>

#include <QCoreApplication>
#include <QJsonDocument>

using namespace Qt::StringLiterals;
namespace errors = cortado::protocol::errors;

namespace {

cortado::HttpResponse answer(const QString &wsRoute, const QString &room, const QList<cortado::HistoryEntry> &entries)
{
    QJsonArray messages;
    for (const cortado::HistoryEntry &entry : entries)
        messages.append(QJsonDocument::fromJson(entry.frame).object());
    return cortado::HttpResponse::json(QJsonObject{{u"route"_s, wsRoute}, {u"room"_s, room}, {u"messages"_s, messages}});
}

} // namespace

CORTADO_REST_ROUTE(route)
{
    route.get([](cortado::Context &ctx) {
        QString wsRoute = ctx.request().queryValue(u"route"_s);
        if (wsRoute.isEmpty())
            wsRoute = u"/chat"_s;
        const QString room = ctx.request().param(u"room"_s);
        if (auto refusal = cortado::authorizeRoom(ctx, wsRoute, room, cortado::RoomAction::Read))
            return cortado::HttpResponse::error(*refusal);
        bool sinceOk = true, limitOk = true;
        const QString sinceText = ctx.request().queryValue(u"since"_s);
        const QString limitText = ctx.request().queryValue(u"limit"_s);
        const qint64 since = sinceText.isEmpty() ? 0 : sinceText.toLongLong(&sinceOk);
        const int limit = limitText.isEmpty() ? 100 : limitText.toInt(&limitOk);
        if (!sinceOk || since < 0 || !limitOk || limit < 1 || limit > 500)
            return cortado::HttpResponse::error(cortado::Error::badRequest(
                    errors::BadRequest, u"since is an offset >= 0 and limit a number from 1 to 500"_s));
        if (!ctx.realtime().keepsHistory(wsRoute, room))
            return cortado::HttpResponse::error(
                    cortado::Error::notFound(u"%1 %2 keeps no history"_s.arg(wsRoute, room)));

        const auto *storage = ctx.services().get<cortado::Storage>();
        if (!storage) {
            QList<cortado::HistoryEntry> entries = ctx.realtime().historySince(wsRoute, room, since);
            return answer(wsRoute, room, entries.mid(0, limit));
        }
        QFuture<QList<cortado::HistoryEntry>> rows = storage->readHistory(wsRoute, room, since, limit);
        return cortado::HttpResponse::later([rows, wsRoute, room](cortado::HttpResponse::Reply reply) mutable {
            // Continuations run on the application's (the event loop's) thread.
            rows.then(QCoreApplication::instance(),
                      [reply, wsRoute, room](const QList<cortado::HistoryEntry> &entries) {
                          reply(answer(wsRoute, room, entries));
                      })
                    .onFailed(QCoreApplication::instance(), [reply] {
                        reply(cortado::HttpResponse::error(
                                cortado::Error::overloaded(u"the database cannot be read right now"_s)));
                    });
        });
    });
}
