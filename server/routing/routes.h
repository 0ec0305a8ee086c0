// What a route file builds: a RestRoute (handlers per HTTP method) or a WsRoute (handlers per
// event name), each with its own middleware.
#pragma once

#include "core/hub.h"
#include "http.h"
#include "realtime.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QRegularExpression>

namespace cortado {

// The reply to a client event that carried an `id`: ok with an optional payload, or an error.
class Ack
{
public:
    static Ack ok(QJsonValue payload = QJsonValue::Undefined) { return Ack(std::move(payload)); }
    Ack(Error error) : m_error(std::move(error)) { } // so a handler can `return Error::forbidden(..)`

    // For answers that take time (another node of a cluster must act): `start` is called at once
    // with a `reply` function; call it on the event loop's thread with the real ack. If the socket
    // left meanwhile, the reply goes nowhere.
    //   return cortado::Ack::later([](cortado::Ack::Reply reply) { ...; reply(cortado::Ack::ok()); });
    using Reply = std::function<void(const Ack &)>;
    static Ack later(std::function<void(Reply)> start)
    {
        Ack ack(QJsonValue::Undefined);
        ack.m_deferred = std::move(start);
        return ack;
    }

    bool isOk() const { return !m_error.has_value(); }
    bool isDeferred() const { return bool(m_deferred); }
    const QJsonValue &payload() const { return m_payload; }
    const Error &error() const { return *m_error; }
    const std::function<void(Reply)> &deferred() const { return m_deferred; }

private:
    explicit Ack(QJsonValue payload) : m_payload(std::move(payload)) { }

    QJsonValue m_payload = QJsonValue::Undefined;
    std::optional<Error> m_error;
    std::function<void(Reply)> m_deferred;
};

// One socket as its handlers and hooks see it: who it is, the room the event or hook is about
// (if any), and what it may do. Everything it sends carries the socket's id as "from".
//
//   ctx.broadcast(u"chat:message"_s, ctx.payload());      // the room, sender included
//   ctx.relay(u"chat:message"_s);                         // the same, the payload's bytes as they came
//   ctx.broadcastFrom(u"board:updated"_s, patch);         // the room without the sender
//   ctx.push(u"board:state"_s, state);                    // the sender only
//   ctx.emit(cortado::Target::route(u"/chat"_s), ...);    // any scope
//
// Valid for the handler's or hook's call; main thread only.
class SocketContext
{
public:
    SocketContext(Session &session, Realtime &realtime, std::optional<QString> room = std::nullopt)
        : m_session(session), m_realtime(realtime), m_room(std::move(room))
    {
    }

    Session &session() const { return m_session; }
    const SocketId &socketId() const { return m_session.id(); }
    // The rest of the server: rooms, counts, server-side joins of other sockets.
    Realtime &realtime() const { return m_realtime; }
    const Services &services() const;
    // The event's room; for onJoin hooks, the room joined; none for onConnect / onDisconnect.
    const std::optional<QString> &room() const { return m_room; }

    // To every member of room(), the sender included. Refused `bad_room` without a room.
    Delivery broadcast(const QString &event, const QJsonValue &payload = QJsonValue::Undefined) const;
    // To every member of room() but the sender (Phoenix's broadcast_from). `bad_room` without a room.
    Delivery broadcastFrom(const QString &event, const QJsonValue &payload = QJsonValue::Undefined) const;
    // To the sender only; "room" is room() when there is one.
    Delivery push(const QString &event, const QJsonValue &payload = QJsonValue::Undefined) const;
    // To any target; "room" is the target's room, else room().
    Delivery emit(const Target &target, const QString &event,
                  const QJsonValue &payload = QJsonValue::Undefined) const;

    // Joins `room` as room:join would: its guard (RoomAuthorizer) and the room limit
    // (protocol::MaxRoomsPerSocket) apply. std::nullopt when the socket is in the room now.
    std::optional<Error> join(const QString &room) const;
    // Joins without asking the room's guard or the limit: for server logic that decided already
    // (an invitation accepted). Logged to cortado.audit with `reason`. False when nothing changed
    // or the name is not a valid room name.
    bool serverJoin(const QString &room, const QString &reason) const;
    // False when the socket was not in the room.
    bool leave(const QString &room) const;
    bool isInRoom(const QString &room) const { return m_session.isInRoom(room); }

    // Targets on this socket's route.
    Target toRoom(const QString &room) const { return Target::room(m_session.route(), room); }
    Target toRoute() const { return Target::route(m_session.route()); }
    Target toSender() const { return Target::socket(m_session.id()); }

private:
    Session &m_session;
    Realtime &m_realtime;
    std::optional<QString> m_room;
};

// One client event on its way to a handler.
class EventContext : public SocketContext
{
public:
    EventContext(Session &session, Realtime &realtime, protocol::Envelope envelope)
        : SocketContext(session, realtime, envelope.room), m_envelope(std::move(envelope))
    {
    }

    const protocol::Envelope &envelope() const { return m_envelope; }
    const QString &event() const { return m_envelope.event; }
    const QJsonValue &payload() const { return m_envelope.payload(); }

    // To every member of room(), the sender included, the client's payload exactly as it came
    // (compact JSON, its key order kept): no JSON tree is built or written. The relay of a chat
    // message; the same as broadcast(event, payload()), only cheaper. `bad_room` without a room.
    Delivery relay(const QString &event) const;

private:
    protocol::Envelope m_envelope;
};

// Hooks of a WebSocket route. They accumulate: every onConnect() registered runs, in order.
using SocketHook = std::function<void(SocketContext &)>;
using RoomClosedHook = std::function<void(Realtime &, const QString &room)>;

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

// Services a route cannot work without. A route declares them; Server::listen() refuses to start
// when the app did not provide one, naming the route and the service, instead of a handler
// finding a nullptr at run time.
class ServiceRequirements
{
public:
    //   route.requireService<cortado::Storage>();
    template<typename T>
    void requireService(QString name = {})
    {
        m_required.append({name.isEmpty() ? serviceTypeName(typeid(T)) : std::move(name),
                           [](const Services &services) { return services.get<T>() != nullptr; }});
    }
    // The names of the required services `services` lacks.
    QStringList missingServices(const Services &services) const;

private:
    struct Required
    {
        QString name;
        std::function<bool(const Services &)> isProvided;
    };
    QList<Required> m_required;
};

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

class RestRoute : public ServiceRequirements
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

// An event as people read it: the admin console's playground lists it with its summary, pre-fills
// the example and checks a payload against the schema before sending (docs/admin.md, "Event
// catalog"). The server never checks payloads against it: handlers stay the judges of their input.
struct EventDoc
{
    QString summary; // one line: what the event does
    QJsonValue example = QJsonValue::Undefined; // a payload that works; Undefined: the event takes none
    // Optional JSON Schema of the payload, in the subset cortado::jsonschema supports (type, properties,
    // required, enum, ...). The router refuses to start when it uses anything else, or when the
    // example does not match it.
    QJsonObject schema;
};

class WsRoute : public ServiceRequirements
{
public:
    struct EventBinding
    {
        EventHandler handler;
        HeavyWork heavyWork; // set for heavy handlers (then `handler` is unused)
        HeavyFinish heavyFinish;
        QList<EventMiddleware> middleware;
        std::optional<RateLimit> rateLimit; // per socket, on top of the route's limit
        bool membershipRequired = false;
        std::optional<EventDoc> doc; // for the console's event catalog

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
        // The event must name a room the socket is in: `bad_room` without a room, `not_in_room`
        // when the socket has not joined it, before the event's middleware and handler run.
        EventBinding &requireMembership()
        {
            membershipRequired = true;
            return *this;
        }
        // Describes the event for the console's event catalog (admin:catalog; see EventDoc):
        //   route.on(u"chat:send"_s, handler).describe(u"Send a message to a room"_s,
        //                                              QJsonObject{{u"text"_s, u"hello"_s}}, schema);
        EventBinding &describe(QString summary, QJsonValue example = QJsonValue::Undefined,
                               QJsonObject schema = {})
        {
            doc = EventDoc{std::move(summary), std::move(example), std::move(schema)};
            return *this;
        }
    };

    // Handles one client event name ("chat:send"). The built-in room:join / room:leave cannot be
    // bound (a start-up error, see Router::onBuiltin()); use onJoin() to react to a join.
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

    // Presence for this route's rooms (presence:state, then presence:diff; see core/presence.h).
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

    // Hooks accumulate: each call adds one, and they run in the order they were added.
    // After the welcome, before the socket's first event.
    void onConnect(SocketHook hook) { m_onConnect.append(std::move(hook)); }
    // When the socket goes, while it is still in its rooms.
    void onDisconnect(SocketHook hook) { m_onDisconnect.append(std::move(hook)); }
    // After the socket joined a room of this route (ctx.room() is the room), however it joined:
    // room:join (before its ack goes out), ctx.join(), or a server-side join.
    void onJoin(SocketHook hook) { m_onJoin.append(std::move(hook)); }
    // When the last member leaves a room of this route.
    void onRoomClosed(RoomClosedHook hook) { m_onRoomClosed.append(std::move(hook)); }

    // Who may use rooms whose names match `pattern` ("user:{id}", "project:{id}", "private:*").
    // The first matching pattern decides; rooms no pattern matches are open to everyone who may
    // connect to the route. The RoomAuthorizer asks the guard for room:join and for every REST read
    // or write of the room, so the rule is written once. A refused room:join gets an error ack and
    // changes nothing; so does ctx.join(). Privileged callers (admins, logged) and server-side
    // joins (ctx.serverJoin(), Realtime::serverJoin()) bypass guards.
    void guardRooms(const QString &pattern, RoomGuard guard);
    // The guard for `room` and its captures, if a pattern matches.
    std::optional<std::pair<const RoomGuard *, QHash<QString, QString>>> roomGuard(const QString &room) const;

    const EventBinding *binding(const QString &event) const;
    const QList<Middleware> &connectMiddleware() const { return m_connectMiddleware; }
    const QList<EventMiddleware> &eventMiddleware() const { return m_eventMiddleware; }
    const QList<SocketHook> &connectHooks() const { return m_onConnect; }
    const QList<SocketHook> &disconnectHooks() const { return m_onDisconnect; }
    const QList<SocketHook> &joinHooks() const { return m_onJoin; }
    const QList<RoomClosedHook> &roomClosedHooks() const { return m_onRoomClosed; }
    QStringList events() const { return m_events.keys(); }

private:
    QHash<QString, EventBinding> m_events;
    QList<Middleware> m_connectMiddleware;
    QList<EventMiddleware> m_eventMiddleware;
    QList<SocketHook> m_onConnect;
    QList<SocketHook> m_onDisconnect;
    QList<SocketHook> m_onJoin;
    QList<RoomClosedHook> m_onRoomClosed;
    QList<std::pair<RoomPattern, RoomGuard>> m_roomGuards;
    QList<std::pair<RoomPattern, HistoryPolicy>> m_history;
    bool m_tracksPresence = false;
    std::optional<RateLimit> m_eventLimit;
};

} // namespace cortado
