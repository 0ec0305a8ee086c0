#include "admission.h"

#include "core/hub.h"

#include <QJsonObject>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcRouting)

using namespace Qt::StringLiterals;

namespace cortado {

static Error tooMany(const QString &message, qint64 retryAfterMs)
{
    Error error{429, protocol::errors::RateLimited, message};
    error.details = QJsonObject{{u"retryAfterMs"_s, retryAfterMs}};
    return error;
}

Admission::Admission(const RateLimits &limits, QStringList allowedOrigins, Hub &hub, QObject *parent)
    : QObject(parent),
      m_limits(limits),
      m_allowedOrigins(std::move(allowedOrigins)),
      m_handshakes(limits.handshakesPerAddress, limits.maxTrackedClients),
      m_requests(limits.restPerClient, limits.maxTrackedClients),
      m_hub(hub)
{
}

Middleware Admission::handshakes()
{
    return [this](Context &ctx) -> std::optional<Error> {
        const Request &request = ctx.request();
        if (!request.isWebSocketUpgrade)
            return std::nullopt;
        if (!m_allowedOrigins.isEmpty()) {
            // Browsers always send Origin; other clients may omit it (they are not the
            // cross-site threat an allowlist stops).
            const QString origin = QString::fromUtf8(request.header("origin"));
            if (!origin.isEmpty() && !m_allowedOrigins.contains(origin)) {
                qCInfo(lcRouting, "refused a WebSocket from %s: origin %s is not allowed",
                       qUtf8Printable(request.remoteAddress), qUtf8Printable(origin));
                return Error::forbidden(u"origin %1 is not allowed"_s.arg(origin));
            }
        }
        qint64 retryAfterMs = 0;
        if (!m_handshakes.take(request.remoteAddress, monotonicMs(), &retryAfterMs))
            return tooMany(u"too many WebSocket handshakes from this address"_s, retryAfterMs);
        return std::nullopt;
    };
}

Middleware Admission::requests()
{
    return [this](Context &ctx) -> std::optional<Error> {
        if (ctx.request().isWebSocketUpgrade)
            return std::nullopt;
        const QString user = ctx.data.value(u"user"_s).toMap().value(u"id"_s).toString();
        const QString client = user.isEmpty() ? u"address "_s + ctx.request().remoteAddress : u"user "_s + user;
        qint64 retryAfterMs = 0;
        if (!m_requests.take(client, monotonicMs(), &retryAfterMs))
            return tooMany(u"too many requests; retry later"_s, retryAfterMs);
        return std::nullopt;
    };
}


bool Admission::admitsHistory(const Target &target, const Message &message)
{
    const Session *sender = message.from.isEmpty() ? nullptr : m_hub.session(message.from);
    if (!sender || sender->data.contains(u"user"_s))
        return true; // the server, or someone signed in
    const QString key = target.routePath() + u'\n' + target.roomName();
    if (m_guestHistoryRooms.contains(key))
        return true;
    if (m_guestHistoryRooms.size() >= m_limits.guestHistoryRooms) {
        qCInfo(lcRouting, "refused guest %s opening history in %s %s: %lld rooms opened by guests already",
               qUtf8Printable(sender->id()), qUtf8Printable(target.routePath()),
               qUtf8Printable(target.roomName()), qint64(m_guestHistoryRooms.size()));
        return false;
    }
    m_guestHistoryRooms.insert(key);
    return true;
}

} // namespace cortado
