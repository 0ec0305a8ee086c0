// What HTTP handlers, WebSocket handshakes and middleware share: the request, the context that
// carries data along the chain, errors as values, and responses.
#pragma once

#include "core/error.h"
#include "core/services.h"
#include "cortado/protocol.h"

#include <QByteArray>
#include <QHash>
#include <QJsonValue>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrlQuery>
#include <QVariantMap>

#include <functional>
#include <optional>

namespace cortado {

class Realtime;
class Target;
struct Delivery;

using Headers = QList<QPair<QByteArray, QByteArray>>;

// Case-insensitive header lookup; empty when absent.
QByteArray findHeader(const Headers &headers, QByteArrayView name);

// An HTTP request, or the head of a WebSocket upgrade request. Immutable once routed.
struct Request
{
    QByteArray method; // "GET", "POST", ...
    QString path; // percent-encoded path, e.g. "/api/rooms/lobby"
    QUrlQuery query;
    Headers headers;
    QByteArray body;
    QString remoteAddress;
    QHash<QString, QString> params; // from [param] segments of the route file, decoded
    bool isWebSocketUpgrade = false;

    // Case-insensitive header lookup; empty when absent.
    QByteArray header(QByteArrayView name) const { return findHeader(headers, name); }
    QString param(const QString &name) const { return params.value(name); }
    QString queryValue(const QString &name) const
    {
        return query.queryItemValue(name, QUrl::FullyDecoded);
    }
};

// Travels through the middleware chain to the handler. For a WebSocket, `data` becomes the
// session's data once the upgrade is accepted.
class Context
{
public:
    Context(Request request, Realtime &realtime);

    const Request &request() const { return m_request; }
    const Services &services() const { return m_services; }
    // The live side of the server: rooms and counts, server-side joins (audited), sending.
    Realtime &realtime() const { return m_realtime; }
    // Sends `event` to `target` as the server (no "from"); a room target fills in "room".
    // Check the caller may (authorizeRoom(..., RoomAction::Publish)) before emitting into a room.
    Delivery emit(const Target &target, const QString &event,
                  const QJsonValue &payload = QJsonValue::Undefined) const;

    // The body parsed as a JSON object, or a `bad_json` error.
    std::optional<QJsonObject> jsonBody(Error *error) const;

    QVariantMap data;

private:
    friend class Router;
    Request m_request;
    Realtime &m_realtime;
    const Services &m_services;
};

struct HttpResponse
{
    int status = 200;
    QByteArray contentType = "application/json";
    QByteArray body;
    Headers headers;

    // For answers that take time (a database read on another thread): `start` is called at once
    // with a `reply` function; call it on the event loop's thread when the answer is ready. If the
    // client left meanwhile, the reply goes nowhere.
    using Reply = std::function<void(const HttpResponse &)>;
    std::function<void(Reply)> deferred;

    static HttpResponse json(const QJsonValue &value, int status = 200);
    static HttpResponse error(const Error &error);
    static HttpResponse later(std::function<void(Reply)> start);

    // The HTTP/1.1 bytes of this response.
    QByteArray serialize(bool closeConnection = false) const;
};

// Middleware either lets the request through (returns std::nullopt) or stops it with an error.
// The same middleware serves REST requests and WebSocket handshakes (request().isWebSocketUpgrade
// tells them apart when it matters).
using Middleware = std::function<std::optional<Error>(Context &)>;
using HttpHandler = std::function<HttpResponse(Context &)>;

} // namespace cortado
