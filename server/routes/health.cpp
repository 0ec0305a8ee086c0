// GET /health — liveness and a few live numbers.
#include <cortado/route.h>

#include <QDateTime>

using namespace Qt::StringLiterals;

CORTADO_REST_ROUTE(route)
{
    static const qint64 startedAt = QDateTime::currentMSecsSinceEpoch();
    route.get([](cortado::Context &ctx) {
        return cortado::HttpResponse::json(QJsonObject{
                {u"status"_s, u"ok"_s},
                {u"uptimeMs"_s, QDateTime::currentMSecsSinceEpoch() - startedAt},
                {u"connections"_s, ctx.hub().sessionCount()},
                {u"rooms"_s, ctx.hub().rooms().size()}});
    });
}
