// What a route file builds: a RestRoute (handlers per HTTP method) or a WsRoute (handlers per
// event name), each with its own middleware.
#pragma once

#include "core/hub.h"
#include "http.h"

#include <QHash>
#include <QList>
#include <QRegularExpression>

namespace cortado {

// The reply to a client event that carried an `id`: ok with an optional payload, or an error.
class Ack
{
public:
    static Ack ok(QJsonValue payload = QJsonValue::Undefined) { return Ack(std::move(payload)); }
    Ack(Error error) : m_error(std::move(error)) { } // so a handler can `return Error::forbidden(..)`

    bool isOk() const { return !m_error.has_value(); }
    const QJsonValue &payload() const { return m_payload; }
    const Error &error() const { return *m_error; }

private:
    explicit Ack(QJsonValue payload) : m_payload(std::move(payload)) { }

    QJsonValue m_payload = QJsonValue::Undefined;
    std::optional<Error> m_error;
};

// One client event on its way to a handler.
class EventContext
{
public:
    EventContext(Session &session, Hub &hub, const Services &services, protocol::Envelope envelope)
        : m_session(session), m_hub(hub), m_services(services), m_envelope(std::move(envelope))
    {
    }

    Session &session() const { return m_session; }
    Hub &hub() const { return m_hub; }
    const Services &services() const { return m_services; }
    const protocol::Envelope &envelope() const { return m_envelope; }
    const QString &event() const { return m_envelope.event; }
    const QJsonValue &payload() const { return m_envelope.payload; }
    const std::optional<QString> &room() const { return m_envelope.room; }

    // Targets on this socket's route.
    Target toRoom(const QString &room) const { return Target::room(m_session.route(), room); }
    Target toRoute() const { return Target::route(m_session.route()); }
    Target toSender() const { return Target::socket(m_session.id()); }

private:
    Session &m_session;
    Hub &m_hub;
    const Services &m_services;
    protocol::Envelope m_envelope;
};

using EventHandler = std::function<Ack(EventContext &)>;
using EventMiddleware = std::function<std::optional<Error>(EventContext &)>;
// What a caller wants to do with a room.
enum class RoomAction {
    Join, // a socket's room:join: receive the room's traffic
    Read, // a REST read of the room: history, presence, members
    Publish, // a server-side write into the room from REST or the admin channel (a privilege)
};

// One request for a room of a WebSocket route, whatever asked: a socket's room:join or a REST
// request. Guards decide from the caller's data (data["user"] is the signed-in user) and the app's
// services, so one rule serves both transports.
struct RoomAccess
{
    const QVariantMap &caller; // Session::data or Context::data
    const Services &services;
    QString route; // the WebSocket route the room belongs to, e.g. "/chat"
    QString room;
    RoomAction action;
    QHash<QString, QString> captures; // the pattern's {name} parts: "user:{id}" on "user:42" gives id=42
};

// Decides whether `access` may proceed: std::nullopt, or the refusal (401 / 403 with its code).
using RoomGuard = std::function<std::optional<Error>(const RoomAccess &access)>;

// A heavy handler's view of the event: copies, safe to use on a worker thread (no session, no hub).
struct HeavyRequest
{
    QString event;
    QJsonValue payload;
    std::optional<QString> room;
    SocketId socketId;
    QVariantMap sessionData; // a snapshot: the user, and what middleware attached
};
// Runs on a worker thread; its result goes to the finisher on the event loop. May throw.
using HeavyWork = std::function<QJsonValue(const HeavyRequest &)>;
// Runs on the event loop when the work is done and the socket is still there.
using HeavyFinish = std::function<Ack(EventContext &, const QJsonValue &result)>;

// A room name pattern: literal text, {name} for one part without ':' (captured), * for the rest.
class RoomPattern
{
public:
    explicit RoomPattern(const QString &pattern);
    bool isValid() const { return m_regex.isValid(); }
    const QString &pattern() const { return m_pattern; }
    std::optional<QHash<QString, QString>> match(const QString &room) const;

private:
    QString m_pattern;
    QRegularExpression m_regex;
    QStringList m_names;
};

class RestRoute
{
public:
    void get(HttpHandler handler) { on("GET", std::move(handler)); }
    void post(HttpHandler handler) { on("POST", std::move(handler)); }
    void put(HttpHandler handler) { on("PUT", std::move(handler)); }
    void patch(HttpHandler handler) { on("PATCH", std::move(handler)); }
    void del(HttpHandler handler) { on("DELETE", std::move(handler)); }
    void on(const QByteArray &method, HttpHandler handler) { m_handlers.insert(method, std::move(handler)); }

    // Runs for every request to this route, after the global middleware.
    void use(Middleware middleware) { m_middleware.append(std::move(middleware)); }

    const HttpHandler *handler(const QByteArray &method) const;
    QByteArrayList methods() const;
    const QList<Middleware> &middleware() const { return m_middleware; }

private:
    QHash<QByteArray, HttpHandler> m_handlers;
    QList<Middleware> m_middleware;
};

class WsRoute
{
public:
    struct EventBinding
    {
        EventHandler handler;
        HeavyWork heavyWork; // set for heavy handlers (then `handler` is unused)
        HeavyFinish heavyFinish;
        QList<EventMiddleware> middleware;
        std::optional<RateLimit> rateLimit; // per socket, on top of the route's limit

        // Middleware for this event only, e.g. a role check for "board:clear".
        EventBinding &use(EventMiddleware m)
        {
            middleware.append(std::move(m));
            return *this;
        }
        // A rate limit of this event's own for each socket (e.g. 1/s for "report:build").
        EventBinding &limit(RateLimit limit)
        {
            rateLimit = limit;
            return *this;
        }
    };

    // Handles one client event name ("chat:send"). The built-in room:join / room:leave need no
    // handler; use onJoin() to react to a join.
    EventBinding &on(const QString &event, EventHandler handler);
    // A heavy handler: middleware runs on the event loop, then `work` runs on the worker pool with a
    // copy of the event, then `finish` (default: ack with the result) runs back on the event loop,
    // where it may broadcast. Other sockets are served meanwhile. If the socket left, the result is
    // dropped.
    EventBinding &onHeavy(const QString &event, HeavyWork work, HeavyFinish finish = {});

    // The per-socket event rate of this route instead of the server's default
    // (RateLimits::eventsPerSocket); RateLimit{} lifts it.
    void limitEvents(RateLimit limit) { m_eventLimit = limit; }
    const std::optional<RateLimit> &eventLimit() const { return m_eventLimit; }

    // Presence for this route's rooms (presence:state / join / leave / update; see core/presence.h).
    void trackPresence() { m_tracksPresence = true; }
    bool tracksPresence() const { return m_tracksPresence; }
    // Rooms matching `pattern` keep an ordered history with offsets; room:join may then carry
    // {"since": offset} to recover what a client missed. The first matching pattern applies.
    void keepHistory(const QString &pattern, HistoryPolicy policy = {});
    std::optional<HistoryPolicy> historyPolicy(const QString &room) const;

    // Handshake middleware: runs on the upgrade request, after the global middleware. An error
    // refuses the upgrade with its HTTP status; data it attaches lands on the session.
    void use(Middleware middleware) { m_connectMiddleware.append(std::move(middleware)); }
    // Runs before every event on this route (built-ins included), after the global event middleware.
    void useForEvents(EventMiddleware middleware) { m_eventMiddleware.append(std::move(middleware)); }

    void onConnect(std::function<void(Session &, Hub &)> hook) { m_onConnect = std::move(hook); }
    void onDisconnect(std::function<void(Session &, Hub &)> hook) { m_onDisconnect = std::move(hook); }
    // After a successful room:join (ctx.room() is the room), before the ack goes out.
    void onJoin(std::function<void(EventContext &)> hook) { m_onJoin = std::move(hook); }
    // When the last member leaves a room of this route.
    void onRoomClosed(std::function<void(const QString &room)> hook) { m_onRoomClosed = std::move(hook); }

    // Who may use rooms whose names match `pattern` ("user:{id}", "project:{id}", "private:*").
    // The first matching pattern decides; rooms no pattern matches are open to everyone who may
    // connect to the route. The RoomAuthorizer asks the guard for room:join and for every REST read
    // or write of the room, so the rule is written once. A refused room:join gets an error ack and
    // changes nothing. Privileged callers (admins, logged) and Hub::serverJoin bypass guards.
    void guardRooms(const QString &pattern, RoomGuard guard);
    // The guard for `room` and its captures, if a pattern matches.
    std::optional<std::pair<const RoomGuard *, QHash<QString, QString>>> roomGuard(const QString &room) const;

    const EventBinding *binding(const QString &event) const;
    const QList<Middleware> &connectMiddleware() const { return m_connectMiddleware; }
    const QList<EventMiddleware> &eventMiddleware() const { return m_eventMiddleware; }
    const auto &connectHook() const { return m_onConnect; }
    const auto &disconnectHook() const { return m_onDisconnect; }
    const auto &joinHook() const { return m_onJoin; }
    const auto &roomClosedHook() const { return m_onRoomClosed; }
    QStringList events() const { return m_events.keys(); }

private:
    QHash<QString, EventBinding> m_events;
    QList<Middleware> m_connectMiddleware;
    QList<EventMiddleware> m_eventMiddleware;
    std::function<void(Session &, Hub &)> m_onConnect;
    std::function<void(Session &, Hub &)> m_onDisconnect;
    std::function<void(EventContext &)> m_onJoin;
    std::function<void(const QString &)> m_onRoomClosed;
    QList<std::pair<RoomPattern, RoomGuard>> m_roomGuards;
    QList<std::pair<RoomPattern, HistoryPolicy>> m_history;
    bool m_tracksPresence = false;
    std::optional<RateLimit> m_eventLimit;
};

} // namespace cortado
