#include "adminfeed.h"

#include "auth/auth.h"
#include "auth/tokens.h"
#include "cluster/cluster.h"
#include "transport/server.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

#include <algorithm>
#include <tuple>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

Q_LOGGING_CATEGORY(lcAdmin, "cortado.audit.admin", QtInfoMsg)

using namespace Qt::StringLiterals;

namespace cortado {

namespace {

// The busiest events in each admin:counters.
constexpr qsizetype MaxEventRates = 20;

// A tap filter's list; a console asking for more than MaxTapFilterItems gets the first ones.
constexpr qsizetype MaxTapFilterItems = 1000;

QSet<QString> stringSet(const QJsonValue &value)
{
    QSet<QString> result;
    for (const QJsonValue &item : value.toArray()) {
        if (item.isString() && result.size() < MaxTapFilterItems)
            result.insert(item.toString());
    }
    return result;
}

QJsonArray sorted(QSet<QString> set)
{
    QStringList list = set.values();
    list.sort();
    return QJsonArray::fromStringList(list);
}

// A room's history over the cluster, from every node's {offset, historyLength, oldestOffset?}.
// Every node keeps a replica of each history room (the cluster delivers each numbered message to
// every node), but one that was away has gaps: the newest offset and the longest log of any node,
// and the oldest offset any node still keeps.
struct HistoryExtent
{
    qint64 latest = 0, length = 0, oldest = 0;
    void add(const QJsonObject &part)
    {
        latest = std::max(latest, part.value("offset"_L1).toInteger());
        length = std::max(length, part.value("historyLength"_L1).toInteger());
        if (const qint64 first = part.value("oldestOffset"_L1).toInteger(); first > 0)
            oldest = oldest == 0 ? first : std::min(oldest, first);
    }
};

} // namespace

bool AdminFeed::TapFilter::matches(const QString &route, const QString &event, const QString &room,
                                   const QString &socket, bool incoming) const
{
    return enabled && (incoming ? in : out) && (routes.isEmpty() || routes.contains(route))
            && (events.isEmpty() || events.contains(event)) && (rooms.isEmpty() || rooms.contains(room))
            && (sockets.isEmpty() || sockets.contains(socket));
}

bool AdminFeed::TapFilter::concernsUsers(const Hub &hub, const QString &route, const QString &room,
                                         const QString &socket) const
{
    if (users.isEmpty())
        return true;
    if (!socket.isEmpty()) // from one of their sockets, or sent to one
        return userSockets.contains(socket);
    for (const SocketId &id : userSockets) { // to a room they are in, their route, or everyone
        const Session *session = hub.session(id);
        if (session && (route.isEmpty() || session->route() == route) && (room.isEmpty() || session->rooms().contains(room)))
            return true;
    }
    return false;
}

QString AdminFeed::userIdOf(const Session &session)
{
    return session.data.value(u"user"_s).toMap().value(u"id"_s).toString();
}

AdminFeed *AdminFeed::install(Server &server, AdminLimits limits)
{
    auto *feed = new AdminFeed(server, limits);
    feed->setParent(&server);
    server.router().addWebSocketRoute(u"_admin.ws.cpp"_s, [feed](WsRoute &route) {
        route.use([](Context &ctx) -> std::optional<Error> {
            const std::optional<auth::User> user = auth::currentUser(ctx);
            if (!user)
                return Error::unauthorized(u"the admin channel needs a token"_s);
            if (!user->hasRole(u"admin"_s) && !user->hasRole(u"observer"_s))
                return Error::forbidden(u"the admin channel needs the \"admin\" or \"observer\" role"_s);
            return std::nullopt;
        });
        route.onConnect([feed](SocketContext &ctx) { feed->attach(ctx.session()); });
        route.onDisconnect([feed](SocketContext &ctx) { feed->detach(ctx.session()); });

        // Everything but the tap and the snapshot changes the server: admins only.
        auto adminOnly = [feed](EventContext &ctx) -> std::optional<Error> {
            if (!feed->m_consoles.value(ctx.session().id()).canAct)
                return Error::forbidden(u"observers may watch but not act"_s);
            return std::nullopt;
        };
        route.on(u"admin:snapshot"_s, [feed](EventContext &ctx) {
            return Ack::ok(feed->snapshot(ctx.session().id()));
        });
        route.on(u"admin:catalog"_s, [feed](EventContext &) { return Ack::ok(feed->catalogJson()); });
        // A page of sockets or rooms, filtered and sorted here; it becomes the page this console
        // shows (deltas and admin:page follow it). Watching only.
        route.on(u"admin:query"_s, [feed](EventContext &ctx) -> Ack {
            std::variant<adminviews::Query, Error> query = adminviews::Query::parse(ctx.payload().toObject());
            if (const Error *error = std::get_if<Error>(&query))
                return *error;
            return feed->query(ctx.session().id(), std::get<adminviews::Query>(query));
        });
        // Details of one socket (any node's), one room, and a page of a room's history: watching only.
        route.on(u"admin:socket_info"_s, [feed](EventContext &ctx) -> Ack {
            const QString socket = ctx.payload().toObject().value("socket"_L1).toString();
            if (socket.isEmpty() || feed->isConsole(socket))
                return Error::notFound(u"no socket %1"_s.arg(socket));
            return feed->socketInfoAnywhere(ctx.session().id(), socket);
        });
        route.on(u"admin:room"_s, [feed](EventContext &ctx) -> Ack {
            const QJsonObject request = ctx.payload().toObject();
            const QString room = request.value("room"_L1).toString();
            if (!protocol::isValidRoomName(room))
                return Error::badRequest(protocol::errors::BadRoom, u"not a valid room name"_s);
            return feed->roomInfo(request.value("route"_L1).toString(), room);
        });
        route.on(u"admin:history"_s, [feed](EventContext &ctx) { return feed->historyPage(ctx.payload().toObject()); });
        // Every node's sockets (a cluster asks the others; a single node answers its own): watching only.
        route.on(u"admin:sockets"_s, [feed](EventContext &) { return feed->socketsOfEveryNode(); });
        route.on(u"admin:tap"_s, [feed](EventContext &ctx) {
            const QJsonObject request = ctx.payload().toObject();
            TapFilter &tap = feed->m_consoles[ctx.session().id()].tap;
            tap.enabled = request.value("enabled"_L1).toBool(true);
            tap.payloads = request.value("payloads"_L1).toBool(false);
            tap.routes = stringSet(request.value("routes"_L1));
            tap.events = stringSet(request.value("events"_L1));
            tap.rooms = stringSet(request.value("rooms"_L1));
            tap.sockets = stringSet(request.value("sockets"_L1));
            tap.users = stringSet(request.value("users"_L1));
            tap.userSockets.clear();
            if (!tap.users.isEmpty()) {
                for (const Session *session : feed->m_hub.sessions()) {
                    if (!Hub::isInternalRoute(session->route()) && tap.users.contains(userIdOf(*session)))
                        tap.userSockets.insert(session->id());
                }
            }
            const QString direction = request.value("direction"_L1).toString(u"both"_s);
            tap.in = direction != "out"_L1;
            tap.out = direction != "in"_L1;
            feed->updateTapConnections();
            return Ack::ok(QJsonObject{{u"enabled"_s, tap.enabled}, {u"perSecond"_s, feed->m_limits.tapPerSecond}});
        });
        route.on(u"admin:disconnect"_s, [feed](EventContext &ctx) -> Ack {
            const QJsonObject request = ctx.payload().toObject();
            const QString socket = request.value("socket"_L1).toString();
            const QString reason = request.value("reason"_L1).toString(u"disconnected by an operator"_s).left(120);
            if (feed->isConsole(socket))
                return Error::notFound(u"no socket %1"_s.arg(socket));
            if (!ctx.realtime().hasSocket(socket)) // on another node of a cluster, maybe
                return feed->actElsewhere(ctx, u"disconnect"_s, socket,
                                          QJsonObject{{u"code"_s, protocol::close::Kicked}, {u"reason"_s, reason}});
            qCInfo(lcAdmin, "%s disconnected socket %s: %s", qUtf8Printable(feed->m_consoles.value(ctx.session().id()).actor),
                   qUtf8Printable(socket), qUtf8Printable(reason));
            feed->m_hub.disconnect(socket, protocol::close::Kicked, reason); // the framework's own channel
            return Ack::ok();
        }).use(adminOnly);
        for (const bool join : {true, false}) {
            route.on(join ? u"admin:join"_s : u"admin:leave"_s, [feed, join](EventContext &ctx) -> Ack {
                const QJsonObject request = ctx.payload().toObject();
                const QString socket = request.value("socket"_L1).toString();
                const QString room = request.value("room"_L1).toString();
                if (!protocol::isValidRoomName(room))
                    return Error::badRequest(protocol::errors::BadRoom, u"not a valid room name"_s);
                if (feed->isConsole(socket))
                    return Error::notFound(u"no socket %1"_s.arg(socket));
                if (!ctx.realtime().hasSocket(socket))
                    return feed->actElsewhere(ctx, join ? u"join"_s : u"leave"_s, socket, QJsonObject{{u"room"_s, room}});
                const QString actor = u"console:"_s + feed->m_consoles.value(ctx.session().id()).actor;
                const bool changed = join ? ctx.realtime().serverJoin(socket, room, actor)
                                          : ctx.realtime().serverLeave(socket, room, actor);
                return Ack::ok(QJsonObject{{u"changed"_s, changed}});
            }).use(adminOnly);
        }
        route.on(u"admin:mint_token"_s, [feed](EventContext &ctx) { return feed->mintToken(ctx); }).use(adminOnly);
        route.on(u"admin:emit"_s, [feed](EventContext &ctx) -> Ack {
            const QJsonObject request = ctx.payload().toObject();
            const QString event = request.value("event"_L1).toString();
            if (!protocol::isValidEventName(event) || protocol::isReservedEvent(event))
                return Error::badRequest(protocol::errors::BadEvent,
                                         u"\"event\" must be domain:action, and not ack or system:*"_s);
            const QString scope = request.value("scope"_L1).toString();
            const QString room = request.value("room"_L1).toString();
            std::optional<Target> target;
            if (scope == "socket"_L1)
                target = Target::socket(request.value("socket"_L1).toString());
            else if (scope == "room"_L1 && protocol::isValidRoomName(room))
                target = Target::room(request.value("route"_L1).toString(), room);
            else if (scope == "route"_L1)
                target = Target::route(request.value("route"_L1).toString());
            else if (scope == "everyone"_L1)
                target = Target::everyone();
            if (!target)
                return Error::badRequest(protocol::errors::BadPayload,
                                         u"scope is socket {socket}, room {route, room}, route {route} or everyone"_s);
            qCInfo(lcAdmin, "%s emitted %s to %s", qUtf8Printable(feed->m_consoles.value(ctx.session().id()).actor),
                   qUtf8Printable(event), qUtf8Printable(scope));
            const Delivery delivery = ctx.realtime().emit(*target, event, request.value("payload"_L1));
            return Ack::ok(QJsonObject{{u"delivered"_s, delivery.recipients}});
        }).use(adminOnly);
    });
    return feed;
}

AdminFeed::AdminFeed(Server &server, AdminLimits limits)
    : m_server(server), m_hub(server.hub()), m_limits(limits),
      m_startedAt(QDateTime::currentMSecsSinceEpoch())
{
    if (const metrics::TrafficMetrics *traffic = m_hub.metrics())
        m_lastTotals = traffic->totals();
    // The deltas below are built only while a console listens, and go only to the consoles whose page
    // shows the socket or the room: a new socket reaches a console as part of its next admin:page.
    connect(&m_hub, &Hub::connected, this, [this](const Session &session) {
        if (Hub::isInternalRoute(session.route()))
            return;
        showIfOnPage(session);
        pagesMayHaveChanged();
        for (Console &console : m_consoles) { // a followed user's new tab
            if (!console.tap.users.isEmpty() && console.tap.users.contains(userIdOf(session)))
                console.tap.userSockets.insert(session.id());
        }
    });
    connect(&m_hub, &Hub::disconnected, this, [this](const Session &session, int code) {
        if (Hub::isInternalRoute(session.route()))
            return;
        sendToShowing(session.id(), {}, u"admin:socket_closed"_s, QJsonObject{{u"id"_s, session.id()}, {u"code"_s, code}});
        pagesMayHaveChanged();
        for (Console &console : m_consoles)
            console.tap.userSockets.remove(session.id());
    });
    auto roomChange = [this](const QString &event) {
        return [this, event](const Session &session, const QString &room) {
            if (m_consoles.isEmpty() || Hub::isInternalRoute(session.route()))
                return;
            const std::optional<RoomInfo> info = m_hub.room(session.route(), room);
            sendToShowing(session.id(), roomKey(session.route(), room), event,
                          QJsonObject{{u"socket"_s, session.id()}, {u"route"_s, session.route()}, {u"room"_s, room},
                                      {u"members"_s, clusterMembers(session.route(), room, info ? info->members : 0)}});
            pagesMayHaveChanged();
        };
    };
    connect(&m_hub, &Hub::joined, this, roomChange(u"admin:joined"_s));
    connect(&m_hub, &Hub::left, this, roomChange(u"admin:left"_s));
    connect(&m_server.presence(), &Presence::changed, this, [this](const QString &route, const QString &room) {
        if (m_consoles.isEmpty())
            return;
        QJsonObject presence = presenceJson(route, room, MaxPresenceInRow);
        presence.insert(u"route"_s, route);
        presence.insert(u"room"_s, room);
        sendToShowing({}, roomKey(route, room), u"admin:presence"_s, presence);
    });
    m_pageTimer.setSingleShot(true);
    m_pageTimer.setInterval(PageRefreshMs);
    connect(&m_pageTimer, &QTimer::timeout, this, &AdminFeed::pushPages);
    m_ticker.setInterval(1000);
    connect(&m_ticker, &QTimer::timeout, this, &AdminFeed::tick);

    // The Nodes view: sampled every heartbeat period whether or not a console listens (a few
    // numbers), so that a console that connects sees rates at once; sent only to consoles.
    m_cluster = m_server.cluster();
    m_nodesTicker.setInterval(cluster::Cluster::HeartbeatMs);
    connect(&m_nodesTicker, &QTimer::timeout, this, [this] {
        sampleRates();
        broadcast(u"admin:nodes"_s, nodesDelta());
    });
    m_nodesTicker.start();
    if (m_cluster) {
        auto changed = [this] {
            sampleRates();
            broadcast(u"admin:nodes"_s, nodesDelta());
        };
        connect(m_cluster, &cluster::Cluster::peerJoined, this, changed);
        connect(m_cluster, &cluster::Cluster::peerLost, this, changed);
        connect(m_cluster, &cluster::Cluster::linkChanged, this, changed);
        // The cluster may outlive the feed (the server's services hold it): ask through a guard.
        m_cluster->answer(u"sockets"_s, [feed = QPointer<AdminFeed>(this)](const QJsonObject &) {
            return feed ? feed->localSockets() : QJsonObject{{u"error"_s, u"no_admin_feed"_s}};
        });
        // Another node's admin:socket_info: the socket's details if this node holds it, else {}.
        m_cluster->answer(u"socket_info"_s, [feed = QPointer<AdminFeed>(this)](const QJsonObject &args) {
            if (!feed)
                return QJsonObject{{u"error"_s, u"no_admin_feed"_s}};
            const Session *session = feed->m_hub.session(args.value("socket"_L1).toString());
            if (!session || Hub::isInternalRoute(session->route()))
                return QJsonObject{};
            return QJsonObject{{u"socket"_s, feed->socketInfo(*session)}};
        });
        // Another node's admin:query: this node's first offset + limit matches (the asker merges,
        // sorts and cuts the page), at most MaxSocketsPerNode and under the answer cap.
        m_cluster->answer(u"query"_s, [feed = QPointer<AdminFeed>(this)](const QJsonObject &args) {
            if (!feed)
                return QJsonObject{{u"error"_s, u"no_admin_feed"_s}};
            std::variant<adminviews::Query, Error> query = adminviews::Query::parse(args);
            if (!std::holds_alternative<adminviews::Query>(query))
                return QJsonObject{{u"error"_s, u"bad_request"_s}};
            adminviews::Query first = std::get<adminviews::Query>(query);
            first.limit = std::min(first.offset + first.limit, MaxSocketsPerNode);
            first.offset = 0;
            return feed->localPage(first, cluster::Cluster::MaxAnswerBytes - 16 * 1024);
        });
        // Another node's admin:room: this node's members of the room (at most MaxRoomMembers,
        // ~100 KiB, well under the answer cap) and how many there are.
        m_cluster->answer(u"room"_s, [feed = QPointer<AdminFeed>(this)](const QJsonObject &args) {
            if (!feed)
                return QJsonObject{{u"error"_s, u"no_admin_feed"_s}};
            const QString route = args.value("route"_L1).toString(), room = args.value("room"_L1).toString();
            if (!protocol::isValidRoomName(room) || Hub::isInternalRoute(route))
                return QJsonObject{{u"error"_s, u"bad_request"_s}};
            return feed->localRoomMembers(route, room);
        });
        // Another node's admin:history: this node's page of its replica (under the answer cap).
        m_cluster->answer(u"history"_s, [feed = QPointer<AdminFeed>(this)](const QJsonObject &args) {
            if (!feed)
                return QJsonObject{{u"error"_s, u"no_admin_feed"_s}};
            const QString route = args.value("route"_L1).toString(), room = args.value("room"_L1).toString();
            const qint64 before = args.value("before"_L1).toInteger(std::numeric_limits<qint64>::max());
            const qint64 limit = args.value("limit"_L1).toInteger();
            if (!protocol::isValidRoomName(room) || Hub::isInternalRoute(route) || before < 1 || limit < 1
                || limit > MaxHistoryPage)
                return QJsonObject{{u"error"_s, u"bad_request"_s}};
            return feed->localHistoryPage(route, room, before, limit, cluster::Cluster::MaxAnswerBytes - 16 * 1024);
        });
        // Rooms pages use the built-in question "rooms" (every room here with its members), the
        // one GET /api/rooms asks.
    }
}

void AdminFeed::attach(Session &session)
{
    const std::optional<auth::User> user = auth::User::fromData(session.data);
    Console console;
    console.canAct = user && user->hasRole(u"admin"_s);
    console.actor = user ? user->id : QString();
    m_consoles.insert(session.id(), console);
    if (!m_ticker.isActive())
        m_ticker.start();
    send(session.id(), u"admin:snapshot"_s, snapshot(session.id()));
    if (m_cluster) // the snapshot's rooms page knows this node's rooms only: the cluster's follows
        pagesMayHaveChanged();
}

// The per-message signals cost a call per message: they are connected only while a console taps.
void AdminFeed::updateTapConnections()
{
    const bool wanted = std::any_of(m_consoles.cbegin(), m_consoles.cend(),
                                    [](const Console &console) { return console.tap.enabled; });
    if (wanted == bool(m_tapIn))
        return;
    if (!wanted) {
        disconnect(std::exchange(m_tapIn, {}));
        disconnect(std::exchange(m_tapOut, {}));
        return;
    }
    m_tapIn = connect(&m_hub, &Hub::eventReceived, this,
                      [this](const Session &session, const QString &event, const std::optional<QString> &room,
                             qsizetype bytes, const QJsonValue &payload) {
                          if (!Hub::isInternalRoute(session.route()))
                              tap(session.route(), event, room.value_or(QString()), session.id(), true, bytes,
                                  payload, 1);
                      });
    m_tapOut = connect(&m_hub, &Hub::messageSent, this,
                       [this](const Target &target, const QString &event, qsizetype recipients, qsizetype bytes,
                              const QJsonValue &payload) {
                           QString route = target.routePath();
                           if (target.scope() == Target::Scope::Socket) {
                               const Session *session = m_hub.session(target.socketId());
                               route = session ? session->route() : QString();
                           }
                           if (Hub::isInternalRoute(route))
                               return; // the consoles' own traffic
                           tap(route, event, target.roomName(),
                               target.scope() == Target::Scope::Socket ? target.socketId() : QString(), false,
                               bytes, payload, recipients);
                       });
}

void AdminFeed::detach(const Session &session)
{
    m_consoles.remove(session.id());
    updateTapConnections();
    if (m_consoles.isEmpty()) {
        m_ticker.stop();
        m_remoteRooms = {}; // the next console's first page must not show rooms of long ago
    }
}

QJsonObject AdminFeed::socketJson(const Session &session) const
{
    const QVariantMap user = session.data.value(u"user"_s).toMap();
    QSet<QString> rooms = session.rooms();
    QJsonObject json{{u"id"_s, session.id()},
                       {u"route"_s, session.route()},
                       {u"address"_s, session.remoteAddress()},
                       {u"connectedAt"_s, session.connectedAt().toMSecsSinceEpoch()},
                       {u"user"_s, user.isEmpty() ? QJsonValue() : QJsonValue(QJsonObject{
                                {u"id"_s, user.value(u"id"_s).toString()},
                                {u"name"_s, user.value(u"name"_s).toString()},
                                {u"roles"_s, QJsonArray::fromStringList(user.value(u"roles"_s).toStringList())}})},
                       {u"handshake"_s, QJsonObject::fromVariantMap(session.data.value(u"handshake"_s).toMap())},
                       {u"rooms"_s, sorted(rooms)},
                       {u"messagesIn"_s, qint64(session.messagesIn())},
                       {u"messagesOut"_s, qint64(session.messagesOut())}};
    if (m_cluster)
        json.insert(u"node"_s, m_cluster->nodeId());
    return json;
}

QJsonObject AdminFeed::roomJson(const RoomInfo &room) const
{
    History &history = m_hub.history();
    QJsonObject json{{u"route"_s, room.route}, {u"room"_s, room.name}, {u"members"_s, room.members}};
    if (history.policy(room.route, room.name)) {
        json.insert(u"offset"_s, history.latestOffset(room.route, room.name));
        json.insert(u"historyLength"_s, history.entries(room.route, room.name).size());
    }
    return json;
}

QJsonObject AdminFeed::catalogJson() const
{
    const auto eventJson = [](const QString &event, const WsRoute::EventBinding &binding) {
        QJsonObject json{{u"event"_s, event}, {u"requiresMembership"_s, binding.membershipRequired}};
        if (binding.doc) {
            json.insert(u"summary"_s, binding.doc->summary);
            if (!binding.doc->example.isUndefined())
                json.insert(u"example"_s, binding.doc->example);
            if (!binding.doc->schema.isEmpty())
                json.insert(u"schema"_s, binding.doc->schema);
        }
        return json;
    };
    QJsonArray routes;
    for (const auto &entry : m_server.router().webSocketRoutes()) {
        if (Hub::isInternalRoute(entry->path.pattern()))
            continue;
        QStringList names = entry->route.events();
        names.sort();
        QJsonArray events;
        for (const QString &event : std::as_const(names))
            events.append(eventJson(event, *entry->route.binding(event)));
        routes.append(QJsonObject{{u"path"_s, entry->path.pattern()}, {u"events"_s, events}});
    }
    QJsonArray common;
    for (const QString &event : m_server.router().globalEvents())
        common.append(eventJson(event, *m_server.router().globalBinding(event)));
    return QJsonObject{{u"routes"_s, routes}, {u"common"_s, common}};
}

Ack AdminFeed::mintToken(EventContext &ctx) const
{
    namespace errors = protocol::errors;
    const QJsonObject request = ctx.payload().toObject();
    const QString user = request.value("user"_L1).toString();
    if (user.isEmpty() || user.size() > protocol::MaxStringIdLength)
        return Error::badRequest(errors::BadPayload,
                                 u"\"user\" is the user id: 1 to %1 characters"_s.arg(protocol::MaxStringIdLength));
    const QJsonValue nameValue = request.value("name"_L1);
    if (!nameValue.isUndefined() && (!nameValue.isString() || nameValue.toString().size() > 128))
        return Error::badRequest(errors::BadPayload, u"\"name\" is a display name of at most 128 characters"_s);
    const QJsonValue rolesValue = request.value("roles"_L1);
    QStringList roles;
    if (!rolesValue.isUndefined()) {
        const QJsonArray list = rolesValue.toArray();
        if (!rolesValue.isArray() || list.size() > MaxMintedRoles)
            return Error::badRequest(errors::BadPayload, u"\"roles\" is an array of at most %1 names"_s.arg(MaxMintedRoles));
        for (const QJsonValue &role : list) {
            if (!role.isString() || role.toString().isEmpty() || role.toString().size() > protocol::MaxStringIdLength)
                return Error::badRequest(errors::BadPayload, u"each role is a name of 1 to %1 characters"_s.arg(protocol::MaxStringIdLength));
            roles.append(role.toString());
        }
    }
    const QJsonValue ttlValue = request.value("ttlSeconds"_L1);
    qint64 ttl = DefaultMintedTokenSeconds;
    if (!ttlValue.isUndefined()) {
        const double seconds = ttlValue.toDouble(-1);
        if (!ttlValue.isDouble() || seconds < 1 || seconds > MaxMintedTokenSeconds || std::trunc(seconds) != seconds)
            return Error::badRequest(errors::BadPayload,
                                     u"\"ttlSeconds\" is a whole number from 1 to %1"_s.arg(MaxMintedTokenSeconds));
        ttl = qint64(seconds);
    }
    const auto *verifier = ctx.services().get<auth::TokenVerifier>();
    if (!verifier) // a server without token authentication: every client is a guest anyway
        return Error::notFound(u"this server has no token authentication: connect without a token"_s);
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    const QByteArray token = auth::issueUserToken(verifier->config(), user, nameValue.toString(), roles, ttl);
    if (token.isEmpty()) // RS256 with a public key only: this server verifies but cannot sign
        return Error::notFound(u"this server cannot sign tokens (RS256 without a private key)"_s);
    qCInfo(lcAdmin, "%s minted a token for user %s with roles [%s], valid %llds",
           qUtf8Printable(m_consoles.value(ctx.session().id()).actor), qUtf8Printable(user),
           qUtf8Printable(roles.join(u", "_s)), static_cast<long long>(ttl));
    return Ack::ok(QJsonObject{{u"token"_s, QString::fromLatin1(token)}, {u"expiresAt"_s, (now + ttl) * 1000}});
}

QJsonObject AdminFeed::snapshot(const SocketId &consoleId)
{
    // The console's pages (the first ones after connecting), with their counts: never every socket.
    const Console console = m_consoles.value(consoleId);
    QJsonObject socketsPage = localPage(console.socketsQuery), roomsPage = localPage(console.roomsQuery);
    remember(consoleId, console.socketsQuery, socketsPage);
    remember(consoleId, console.roomsQuery, roomsPage);
    const QJsonArray sockets = socketsPage.take(u"rows"_s).toArray(), rooms = roomsPage.take(u"rows"_s).toArray();
    QJsonArray presence, wsRoutes, restRoutes;
    for (const QJsonValue &room : rooms) {
        if (room.toObject().contains("users"_L1))
            presence.append(QJsonObject{{u"route"_s, room[u"route"_s]}, {u"room"_s, room[u"room"_s]},
                                        {u"users"_s, room[u"users"_s]}, {u"count"_s, room[u"presenceCount"_s]}});
    }
    for (const auto &entry : m_server.router().webSocketRoutes()) {
        if (!Hub::isInternalRoute(entry->path.pattern()))
            wsRoutes.append(QJsonObject{{u"path"_s, entry->path.pattern()}, {u"file"_s, entry->path.file()},
                                        {u"events"_s, QJsonArray::fromStringList(entry->route.events())},
                                        {u"presence"_s, entry->route.tracksPresence()}});
    }
    for (const auto &entry : m_server.router().restRoutes()) {
        QJsonArray methods;
        for (const QByteArray &method : entry->route.methods())
            methods.append(QString::fromLatin1(method));
        restRoutes.append(QJsonObject{{u"path"_s, entry->path.pattern()}, {u"file"_s, entry->path.file()},
                                      {u"methods"_s, methods}});
    }
    QJsonObject server{{u"version"_s, QCoreApplication::applicationVersion()},
                       {u"startedAt"_s, m_startedAt},
                       {u"url"_s, m_server.httpUrl().toString()},
                       {u"routes"_s, QJsonObject{{u"websocket"_s, wsRoutes}, {u"rest"_s, restRoutes}}}};
    if (Storage *storage = m_server.storage())
        server.insert(u"storage"_s, storage->status().toJson());
    QJsonObject snapshot{{u"server"_s, server},
                       {u"catalog"_s, catalogJson()},
                       {u"you"_s, QJsonObject{{u"socketId"_s, consoleId}, {u"user"_s, console.actor},
                                             {u"role"_s, console.canAct ? u"admin"_s : u"observer"_s}}},
                       {u"sockets"_s, sockets},
                       {u"socketsPage"_s, socketsPage},
                       {u"rooms"_s, rooms},
                       {u"roomsPage"_s, roomsPage},
                       {u"presence"_s, presence},
                       {u"counters"_s, QJsonObject{{u"messagesIn"_s, m_hub.messagesIn()}, {u"messagesOut"_s, m_hub.messagesOut()}}},
                       {u"nodes"_s, nodesJson()}};
    if (m_cluster) {
        snapshot.insert(u"node"_s, m_cluster->nodeId());
        snapshot.insert(u"cluster"_s, clusterJson());
    }
    return snapshot;
}

QJsonArray AdminFeed::nodesJson() const
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    // The same figures a heartbeat carries (connections and rooms count the consoles' too), so
    // that every node is measured alike.
    QJsonArray nodes{QJsonObject{{u"id"_s, m_cluster ? m_cluster->nodeId() : QString()},
                                 {u"address"_s, m_server.httpUrl().toString()},
                                 {u"startedAt"_s, m_startedAt},
                                 {u"uptimeMs"_s, now - m_startedAt},
                                 {u"connections"_s, m_hub.sessionCount()},
                                 {u"rooms"_s, m_hub.rooms().size()},
                                 {u"messagesPerSecond"_s, m_selfRate.perSecond},
                                 {u"lastHeartbeatMs"_s, 0},
                                 {u"self"_s, true}}};
    if (!m_cluster)
        return nodes;
    for (const cluster::PeerNode &peer : m_cluster->status().peers) { // sorted by id
        const qint64 startedAt = peer.heartbeat.value("startedAt"_L1).toInteger();
        nodes.append(QJsonObject{{u"id"_s, peer.id},
                                 {u"address"_s, peer.heartbeat.value("address"_L1).toString()},
                                 {u"startedAt"_s, startedAt},
                                 {u"uptimeMs"_s, startedAt > 0 ? std::max<qint64>(0, now - startedAt) : 0},
                                 {u"connections"_s, peer.heartbeat.value("connections"_L1).toInteger()},
                                 {u"rooms"_s, peer.heartbeat.value("rooms"_L1).toInteger()},
                                 {u"messagesPerSecond"_s, m_peerRates.value(peer.id).perSecond},
                                 {u"lastHeartbeatMs"_s, now - peer.lastHeardMs},
                                 {u"self"_s, false}});
    }
    return nodes;
}

QJsonObject AdminFeed::clusterJson() const
{
    if (!m_cluster)
        return {};
    const cluster::ClusterStatus status = m_cluster->status();
    QJsonObject json{{u"redis"_s, status.redisUp ? u"up"_s : u"down"_s}};
    if (!status.redisUp)
        json.insert(u"lastError"_s, status.lastError);
    return json;
}

QJsonObject AdminFeed::nodesDelta() const
{
    QJsonObject delta{{u"nodes"_s, nodesJson()}};
    if (m_cluster)
        delta.insert(u"cluster"_s, clusterJson());
    return delta;
}

void AdminFeed::sampleRates()
{
    // A rate from two cumulative counts and the time between them: a missed sample only widens
    // the window.
    auto update = [](RateSample &sample, qint64 total, qint64 atMs) {
        if (sample.total >= 0 && atMs > sample.atMs && total >= sample.total)
            sample.perSecond = std::round(double(total - sample.total) * 10'000.0 / double(atMs - sample.atMs)) / 10.0;
        if (sample.total < 0 || atMs > sample.atMs) {
            sample.total = total;
            sample.atMs = atMs;
        }
    };
    update(m_selfRate, m_hub.messagesIn() + m_hub.messagesOut(), QDateTime::currentMSecsSinceEpoch());
    if (!m_cluster)
        return;
    QHash<QString, RateSample> rates;
    for (const cluster::PeerNode &peer : m_cluster->status().peers) {
        RateSample sample = m_peerRates.value(peer.id);
        update(sample, peer.heartbeat.value("messagesIn"_L1).toInteger() + peer.heartbeat.value("messagesOut"_L1).toInteger(),
               peer.lastHeardMs);
        rates.insert(peer.id, sample);
    }
    m_peerRates = std::move(rates); // the gone are forgotten
}

QJsonObject AdminFeed::localSockets() const
{
    // Under the cluster's answer cap with room to spare for the envelope.
    constexpr qsizetype MaxBytes = cluster::Cluster::MaxAnswerBytes - 16 * 1024;
    QJsonArray sockets;
    qsizetype bytes = 0;
    bool truncated = false;
    for (const Session *session : m_hub.sessions()) {
        if (Hub::isInternalRoute(session->route()))
            continue;
        const QJsonObject socket = socketJson(*session);
        bytes += protocol::toCompactJson(socket).size() + 1;
        if (sockets.size() >= MaxSocketsPerNode || bytes > MaxBytes) {
            truncated = true;
            break;
        }
        sockets.append(socket);
    }
    QJsonObject answer{{u"sockets"_s, sockets}};
    if (truncated)
        answer.insert(u"truncated"_s, true);
    return answer;
}

Ack AdminFeed::socketsOfEveryNode()
{
    const QString self = m_cluster ? m_cluster->nodeId() : QString();
    auto merge = [self](QJsonObject local, const cluster::ClusterAnswers &answers) {
        QJsonArray sockets = local.value("sockets"_L1).toArray();
        QStringList truncated;
        if (local.value("truncated"_L1).toBool())
            truncated.append(self);
        cluster::ClusterAnswers marked = answers;
        for (const auto &[node, answer] : answers.answers) {
            if (answer.contains("error"_L1)) { // too large, or a node without the admin feed
                marked.missing.append(node);
                continue;
            }
            for (const QJsonValue &socket : answer.value("sockets"_L1).toArray())
                sockets.append(socket);
            if (answer.value("truncated"_L1).toBool())
                truncated.append(node);
        }
        marked.missing.sort();
        QJsonObject view{{u"sockets"_s, sockets}, {u"truncated"_s, !truncated.isEmpty()}};
        if (!truncated.isEmpty())
            view.insert(u"truncatedNodes"_s, QJsonArray::fromStringList(truncated));
        return marked.marked(view);
    };
    if (!m_cluster)
        return Ack::ok(merge(localSockets(), {}));
    return Ack::later([feed = QPointer<AdminFeed>(this), merge](Ack::Reply reply) {
        const bool asked = feed->m_cluster->ask(u"sockets"_s, {}, [feed, merge, reply](const cluster::ClusterAnswers &answers) {
            if (!feed)
                return reply(Error::notFound(u"the admin feed is gone"_s));
            reply(Ack::ok(merge(feed->localSockets(), answers)));
        });
        if (!asked)
            reply(Error::overloaded(u"too many cluster questions in flight; retry later"_s));
    });
}

QJsonObject AdminFeed::localPage(const adminviews::Query &query, qsizetype maxBytes) const
{
    using adminviews::SortValue;
    qsizetype total = 0;
    bool truncated = false;
    QJsonArray rows;
    qsizetype bytes = 0;
    // Sort only what the page needs: the first offset + limit matches (partial_sort), then build
    // JSON for the page's rows alone.
    auto cut = [&](auto &matched, auto &&rowJson) {
        const qsizetype end = std::min<qsizetype>(qsizetype(matched.size()), query.offset + query.limit);
        std::partial_sort(matched.begin(), matched.begin() + end, matched.end(), [&query](const auto &a, const auto &b) {
            return adminviews::lessThan(a.first, b.first, query.descending);
        });
        for (qsizetype i = query.offset; i < end; ++i) {
            const QJsonObject row = rowJson(*matched[size_t(i)].second);
            if (maxBytes > 0 && (bytes += protocol::toCompactJson(row).size() + 1) > maxBytes) {
                truncated = true;
                break;
            }
            rows.append(row);
        }
        return qsizetype(matched.size());
    };
    qsizetype matchedCount = 0;
    if (query.view == adminviews::Query::View::Sockets) {
        const QString node = m_cluster ? m_cluster->nodeId() : QString();
        std::vector<std::pair<SortValue, const Session *>> matched;
        for (const Session *session : m_hub.sessions()) {
            if (Hub::isInternalRoute(session->route()))
                continue;
            ++total;
            if (adminviews::matches(*session, query, node))
                matched.emplace_back(adminviews::sortValue(*session, query.sortKey, node), session);
        }
        matchedCount = cut(matched, [this](const Session &session) { return socketJson(session); });
    } else {
        // Every room once: this node's, then the other nodes' as they last answered (a room on
        // several nodes is one row with the sum of its members).
        QHash<QString, RoomInfo> all;
        for (const RoomInfo &room : m_hub.rooms()) {
            if (!Hub::isInternalRoute(room.route))
                all.insert(roomKey(room.route, room.name), room);
        }
        for (auto it = m_remoteRooms.members.cbegin(); it != m_remoteRooms.members.cend(); ++it) {
            auto room = all.find(it.key());
            if (room == all.end()) {
                const qsizetype split = it.key().indexOf(u'\n');
                room = all.insert(it.key(), RoomInfo{it.key().left(split), it.key().mid(split + 1), 0});
            }
            room->members += it.value();
        }
        std::vector<std::pair<SortValue, const RoomInfo *>> matched;
        for (const RoomInfo &room : std::as_const(all)) {
            ++total;
            if (adminviews::matches(room, query))
                matched.emplace_back(adminviews::sortValue(room, query.sortKey), &room);
        }
        matchedCount = cut(matched, [this](const RoomInfo &room) {
            QJsonObject json = roomJson(room);
            if (m_server.presence().isTracked(room.route)) {
                const QJsonObject presence = presenceJson(room.route, room.name, MaxPresenceInRow);
                json.insert(u"users"_s, presence.value("users"_L1));
                json.insert(u"presenceCount"_s, presence.value("count"_L1));
            }
            return json;
        });
    }
    QJsonObject page = query.toJson();
    page.insert(u"rows"_s, rows);
    page.insert(u"total"_s, total);
    page.insert(u"matched"_s, matchedCount);
    if (truncated)
        page.insert(u"truncated"_s, true);
    if (query.view == adminviews::Query::View::Rooms && m_cluster) // the rooms of silent nodes are missing
        return cluster::ClusterAnswers{{}, m_remoteRooms.missing}.marked(page);
    return page;
}

Ack AdminFeed::query(const SocketId &consoleId, const adminviews::Query &query)
{
    if (!m_cluster) {
        const QJsonObject page = localPage(query);
        remember(consoleId, query, page);
        return Ack::ok(page);
    }
    if (query.view == adminviews::Query::View::Rooms) { // every node's rooms first, then the page
        return Ack::later([feed = QPointer<AdminFeed>(this), consoleId, query](Ack::Reply reply) {
            const bool asked = feed->refreshRemoteRooms([feed, consoleId, query, reply] {
                if (!feed)
                    return reply(Error::notFound(u"the admin feed is gone"_s));
                const QJsonObject page = feed->localPage(query);
                feed->remember(consoleId, query, page);
                reply(Ack::ok(page));
            });
            if (!asked)
                reply(Error::overloaded(u"too many cluster questions in flight; retry later"_s));
        });
    }
    return Ack::later([feed = QPointer<AdminFeed>(this), consoleId, query](Ack::Reply reply) {
        const bool asked = feed->m_cluster->ask(u"query"_s, query.toJson(),
                                                [feed, consoleId, query, reply](const cluster::ClusterAnswers &answers) {
            if (!feed)
                return reply(Error::notFound(u"the admin feed is gone"_s));
            const QJsonObject page = feed->mergedPage(query, answers);
            feed->remember(consoleId, query, page);
            reply(Ack::ok(page));
        });
        if (!asked)
            reply(Error::overloaded(u"too many cluster questions in flight; retry later"_s));
    });
}

bool AdminFeed::refreshRemoteRooms(std::function<void()> then)
{
    if (!m_cluster) {
        then();
        return true;
    }
    return m_cluster->ask(u"rooms"_s, {}, [feed = QPointer<AdminFeed>(this), then](const cluster::ClusterAnswers &answers) {
        if (feed) {
            RemoteRooms remote;
            remote.missing = answers.missing;
            for (const auto &[node, answer] : answers.answers) {
                if (answer.contains("error"_L1)) { // too large (more rooms than fit in 1 MiB), or another version
                    remote.missing.append(node);
                    continue;
                }
                for (const QJsonValue &value : answer.value("rooms"_L1).toArray()) {
                    const QJsonObject room = value.toObject();
                    remote.members[roomKey(room.value("route"_L1).toString(), room.value("room"_L1).toString())] +=
                            room.value("members"_L1).toInteger();
                }
            }
            remote.missing.sort();
            feed->m_remoteRooms = std::move(remote);
        }
        then(); // the caller checks its own guard
    });
}

qint64 AdminFeed::clusterMembers(const QString &route, const QString &room, qint64 local) const
{
    return local + m_remoteRooms.membersOf(roomKey(route, room));
}

QJsonObject AdminFeed::mergedPage(const adminviews::Query &query, const cluster::ClusterAnswers &answers) const
{
    // Every node gives its first offset + limit matches (at most MaxSocketsPerNode): the page of
    // the whole cluster is among them. A node with more matches than it could give is "truncated"
    // (the page may miss its rows when offset + limit passes the bound).
    adminviews::Query first = query;
    first.limit = std::min(query.offset + query.limit, MaxSocketsPerNode);
    first.offset = 0;
    std::vector<std::pair<adminviews::SortValue, QJsonObject>> rows;
    qint64 total = 0, matched = 0;
    QStringList truncated;
    cluster::ClusterAnswers marked = answers;
    auto add = [&](const QString &node, const QJsonObject &answer) {
        const QJsonArray nodeRows = answer.value("rows"_L1).toArray();
        for (const QJsonValue &row : nodeRows)
            rows.emplace_back(adminviews::socketSortValue(row.toObject(), query.sortKey), row.toObject());
        total += answer.value("total"_L1).toInteger();
        matched += answer.value("matched"_L1).toInteger();
        if (answer.value("truncated"_L1).toBool()
            || (nodeRows.size() < query.offset + query.limit && answer.value("matched"_L1).toInteger() > nodeRows.size()))
            truncated.append(node);
    };
    add(m_cluster->nodeId(), localPage(first, cluster::Cluster::MaxAnswerBytes - 16 * 1024));
    for (const auto &[node, answer] : answers.answers) {
        if (answer.contains("error"_L1)) // too large, or a node without the admin feed
            marked.missing.append(node);
        else
            add(node, answer);
    }
    marked.missing.sort();
    const qsizetype end = std::min<qsizetype>(qsizetype(rows.size()), query.offset + query.limit);
    std::partial_sort(rows.begin(), rows.begin() + end, rows.end(), [&query](const auto &a, const auto &b) {
        return adminviews::lessThan(a.first, b.first, query.descending);
    });
    QJsonArray pageRows;
    for (qsizetype i = query.offset; i < end; ++i)
        pageRows.append(rows[size_t(i)].second);
    QJsonObject page = query.toJson();
    page.insert(u"rows"_s, pageRows);
    page.insert(u"total"_s, total);
    page.insert(u"matched"_s, matched);
    page.insert(u"truncated"_s, !truncated.isEmpty());
    if (!truncated.isEmpty())
        page.insert(u"truncatedNodes"_s, QJsonArray::fromStringList(truncated));
    return marked.marked(page);
}

bool AdminFeed::remember(const SocketId &consoleId, const adminviews::Query &query, const QJsonObject &page)
{
    const auto it = m_consoles.find(consoleId);
    if (it == m_consoles.end())
        return false;
    const bool sockets = query.view == adminviews::Query::View::Sockets;
    QByteArray encoded = protocol::toCompactJson(page);
    QByteArray &last = sockets ? it->lastSocketsPage : it->lastRoomsPage;
    (sockets ? it->socketsQuery : it->roomsQuery) = query;
    if (encoded == last)
        return false;
    last = std::move(encoded);
    QSet<QString> shown;
    for (const QJsonValue &row : page.value("rows"_L1).toArray()) {
        const QJsonObject object = row.toObject();
        shown.insert(sockets ? object.value("id"_L1).toString()
                             : roomKey(object.value("route"_L1).toString(), object.value("room"_L1).toString()));
    }
    (sockets ? it->shownSockets : it->shownRooms) = std::move(shown);
    if (sockets) {
        const QJsonArray rows = page.value("rows"_L1).toArray();
        it->socketsPageFull = rows.size() >= query.limit;
        it->lastShownSocket = rows.isEmpty() ? adminviews::SortValue()
                                             : adminviews::socketSortValue(rows.last().toObject(), query.sortKey);
    }
    return true;
}

void AdminFeed::showIfOnPage(const Session &session)
{
    const QString node = m_cluster ? m_cluster->nodeId() : QString();
    for (Console &console : m_consoles) {
        const adminviews::Query &query = console.socketsQuery;
        if (!adminviews::matches(session, query, node))
            continue;
        if (console.socketsPageFull
            && !adminviews::lessThan(adminviews::sortValue(session, query.sortKey, node), console.lastShownSocket,
                                     query.descending))
            continue;
        console.shownSockets.insert(session.id()); // until the next page says otherwise
    }
}

QJsonObject AdminFeed::presenceJson(const QString &route, const QString &room, qsizetype max) const
{
    const QList<PresenceEntry> entries = m_server.presence().list(route, room);
    QJsonArray users;
    for (qsizetype i = 0; i < std::min(max, entries.size()); ++i)
        users.append(entries.at(i).toJson());
    return {{u"users"_s, users}, {u"count"_s, entries.size()}};
}

QJsonObject AdminFeed::socketInfo(const Session &session) const
{
    QJsonObject info = socketJson(session);
    const QJsonObject handshake = info.value("handshake"_L1).toObject();
    info.insert(u"userAgent"_s, handshake.value("userAgent"_L1));
    info.insert(u"origin"_s, handshake.value("origin"_L1));
    info.insert(u"bytesQueued"_s, m_hub.queuedBytes(session.id()));
    info.insert(u"at"_s, QDateTime::currentMSecsSinceEpoch());
    return info;
}

QJsonObject AdminFeed::withRates(const SocketId &consoleId, QJsonObject info)
{
    // Messages per second since this console last asked about this socket (the Socket page asks
    // every second); the first time, the average since it connected.
    const QString id = info.value("id"_L1).toString();
    const qint64 in = info.value("messagesIn"_L1).toInteger(), out = info.value("messagesOut"_L1).toInteger();
    const qint64 at = info.value("at"_L1).toInteger();
    const auto console = m_consoles.find(consoleId);
    Console::Sample since{id, 0, 0, info.value("connectedAt"_L1).toInteger()};
    if (console != m_consoles.end() && console->lastInfo.socket == id && console->lastInfo.atMs < at)
        since = console->lastInfo;
    const double seconds = std::max<qint64>(at - since.atMs, 1) / 1000.0;
    info.insert(u"connectedForMs"_s, std::max<qint64>(0, at - info.value("connectedAt"_L1).toInteger()));
    info.insert(u"inPerSecond"_s, std::round(double(in - since.in) / seconds * 10) / 10);
    info.insert(u"outPerSecond"_s, std::round(double(out - since.out) / seconds * 10) / 10);
    if (console != m_consoles.end())
        console->lastInfo = Console::Sample{id, in, out, at};
    return info;
}

Ack AdminFeed::socketInfoAnywhere(const SocketId &consoleId, const SocketId &socket)
{
    if (const Session *session = m_hub.session(socket); session && !Hub::isInternalRoute(session->route()))
        return Ack::ok(withRates(consoleId, socketInfo(*session)));
    if (!m_cluster)
        return Error::notFound(u"no socket %1"_s.arg(socket));
    return Ack::later([feed = QPointer<AdminFeed>(this), consoleId, socket](Ack::Reply reply) {
        const bool asked = feed->m_cluster->ask(u"socket_info"_s, QJsonObject{{u"socket"_s, socket}},
                                                [feed, consoleId, socket, reply](const cluster::ClusterAnswers &answers) {
            for (const auto &[node, answer] : answers.answers) {
                if (feed && answer.contains("socket"_L1))
                    return reply(Ack::ok(feed->withRates(consoleId, answer.value("socket"_L1).toObject())));
            }
            reply(Error::notFound(u"no node holds socket %1"_s.arg(socket)));
        });
        if (!asked)
            reply(Error::overloaded(u"too many cluster questions in flight; retry later"_s));
    });
}

QJsonObject AdminFeed::localRoomMembers(const QString &route, const QString &room) const
{
    QJsonArray members;
    const QList<const Session *> sessions = m_hub.members(route, room);
    for (const Session *session : sessions) {
        if (members.size() >= MaxRoomMembers)
            break;
        const QVariantMap user = session->data.value(u"user"_s).toMap();
        QJsonObject member{{u"socket"_s, session->id()},
                           {u"user"_s, user.isEmpty() ? QJsonValue() : QJsonValue(QJsonObject{
                                    {u"id"_s, user.value(u"id"_s).toString()}, {u"name"_s, user.value(u"name"_s).toString()}})},
                           {u"address"_s, session->remoteAddress()},
                           {u"connectedAt"_s, session->connectedAt().toMSecsSinceEpoch()}};
        if (m_cluster)
            member.insert(u"node"_s, m_cluster->nodeId());
        members.append(member);
    }
    QJsonObject part{{u"members"_s, members}, {u"membersTotal"_s, qsizetype(sessions.size())}};
    // What this node keeps of the room's history (a node that was away may have less).
    History &history = m_hub.history();
    // Every room of a route may keep history (the policy is the route's): only a room with
    // messages counts as existing through its history. entries() would open a log: not before.
    if (history.policy(route, room) && history.latestOffset(route, room) > 0) {
        const QList<HistoryEntry> entries = history.entries(route, room);
        part.insert(u"historyLength"_s, entries.size());
        part.insert(u"offset"_s, history.latestOffset(route, room));
        if (!entries.isEmpty())
            part.insert(u"oldestOffset"_s, entries.first().offset);
    }
    return part;
}

Ack AdminFeed::roomInfo(const QString &route, const QString &room)
{
    if (Hub::isInternalRoute(route))
        return Error::notFound(u"no room %1 on %2"_s.arg(room, route));
    if (!m_cluster)
        return roomInfoAnswer(route, room, localRoomMembers(route, room), {});
    // The members of other nodes: each node answers its own (the cluster question "room").
    return Ack::later([feed = QPointer<AdminFeed>(this), route, room](Ack::Reply reply) {
        const bool asked = feed->m_cluster->ask(u"room"_s, QJsonObject{{u"route"_s, route}, {u"room"_s, room}},
                                                [feed, route, room, reply](const cluster::ClusterAnswers &answers) {
            if (!feed)
                return reply(Error::notFound(u"the admin feed is gone"_s));
            reply(feed->roomInfoAnswer(route, room, feed->localRoomMembers(route, room), answers));
        });
        if (!asked)
            reply(Error::overloaded(u"too many cluster questions in flight; retry later"_s));
    });
}

Ack AdminFeed::roomInfoAnswer(const QString &route, const QString &room, const QJsonObject &local,
                              const cluster::ClusterAnswers &answers) const
{
    // This node's members first, then the other nodes' in id order (the same order every time),
    // at most MaxRoomMembers listed; membersTotal counts every node's.
    QJsonArray members = local.value("members"_L1).toArray();
    qint64 membersTotal = local.value("membersTotal"_L1).toInteger();
    HistoryExtent history;
    cluster::ClusterAnswers marked = answers;
    history.add(local);
    auto others = answers.answers;
    std::sort(others.begin(), others.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    for (const auto &[node, answer] : others) {
        if (answer.contains("error"_L1)) { // too large, or a node without the admin feed
            marked.missing.append(node);
            continue;
        }
        membersTotal += answer.value("membersTotal"_L1).toInteger();
        history.add(answer);
        for (const QJsonValue &member : answer.value("members"_L1).toArray()) {
            if (members.size() >= MaxRoomMembers)
                break;
            members.append(member);
        }
    }
    marked.missing.sort();
    const bool keepsHistory = history.latest > 0;
    // Presence is the cluster's already: the Cluster feeds every node's parts into this node's
    // Presence (Cluster::attachPresence).
    const QList<PresenceEntry> presence = m_server.presence().list(route, room);
    // A room nobody here knows of, when some node did not answer, may be on that node: the answer
    // says so ("partial") instead of not_found.
    if (membersTotal == 0 && !keepsHistory && presence.isEmpty() && !marked.partial())
        return Error::notFound(u"no room %1 on %2"_s.arg(room, route));
    QJsonArray users;
    for (const PresenceEntry &entry : presence) {
        if (users.size() >= MaxRoomMembers)
            break;
        users.append(entry.toJson());
    }
    QJsonObject json{{u"route"_s, route}, {u"room"_s, room},
                     {u"members"_s, members}, {u"membersTotal"_s, membersTotal},
                     {u"membersTruncated"_s, membersTotal > members.size()},
                     {u"presence"_s, users}, {u"presenceTotal"_s, qsizetype(presence.size())}};
    if (keepsHistory) {
        json.insert(u"historyLength"_s, history.length);
        json.insert(u"offset"_s, history.latest);
        json.insert(u"oldestOffset"_s, history.oldest > 0 ? QJsonValue(history.oldest) : QJsonValue());
    }
    if (m_cluster)
        json.insert(u"node"_s, m_cluster->nodeId());
    return Ack::ok(marked.marked(json));
}

Ack AdminFeed::historyPage(const QJsonObject &request)
{
    const QString route = request.value("route"_L1).toString(), room = request.value("room"_L1).toString();
    if (!protocol::isValidRoomName(room))
        return Error::badRequest(protocol::errors::BadRoom, u"not a valid room name"_s);
    const std::optional<qint64> before = adminviews::wholeNumber(request, "before"_L1, std::numeric_limits<qint64>::max(), 1, qint64(9e15));
    const std::optional<qint64> limit = adminviews::wholeNumber(request, "limit"_L1, DefaultHistoryPage, 1, qint64(9e15));
    if (!before || !limit)
        return Error::badRequest(protocol::errors::BadRequest,
                                 u"\"before\" (an offset) and \"limit\" are whole numbers from 1 (limit over %1 is clamped)"_s
                                         .arg(MaxHistoryPage));
    // Every node has the same routes, so the policy is the same everywhere: no need to ask.
    if (Hub::isInternalRoute(route) || !m_hub.history().policy(route, room))
        return Error::notFound(u"room %1 on %2 keeps no history"_s.arg(room, route));
    const qsizetype pageSize = std::min<qint64>(*limit, MaxHistoryPage);
    if (!m_cluster)
        return historyAnswer(route, room, pageSize, localHistoryPage(route, room, *before, pageSize), {});
    // Every node keeps a replica of each history room, but one that was away (a Redis outage, a
    // node started after the messages without storage) has gaps: the page is every node's.
    QJsonObject args{{u"route"_s, route}, {u"room"_s, room}, {u"limit"_s, pageSize}};
    if (*before != std::numeric_limits<qint64>::max()) // absent: from the newest (JSON has no exact 2^63 - 1)
        args.insert(u"before"_s, *before);
    return Ack::later([feed = QPointer<AdminFeed>(this), args, route, room, before = *before, pageSize](Ack::Reply reply) {
        const bool asked = feed->m_cluster->ask(u"history"_s, args,
                                                [feed, route, room, before, pageSize, reply](const cluster::ClusterAnswers &answers) {
            if (!feed)
                return reply(Error::notFound(u"the admin feed is gone"_s));
            reply(feed->historyAnswer(route, room, pageSize, feed->localHistoryPage(route, room, before, pageSize), answers));
        });
        if (!asked)
            reply(Error::overloaded(u"too many cluster questions in flight; retry later"_s));
    });
}

QJsonObject AdminFeed::localHistoryPage(const QString &route, const QString &room, qint64 before, qsizetype pageSize,
                                        qsizetype maxBytes) const
{
    History &history = m_hub.history();
    const qint64 latest = history.policy(route, room) ? history.latestOffset(route, room) : 0;
    QJsonObject page{{u"offset"_s, latest}, {u"hasMembers"_s, m_hub.room(route, room).has_value()}};
    if (latest == 0) // nothing kept here; entries() would open a log (and count against the cap)
        return page;
    // Newest first, going back from `before` (exclusive).
    const QList<HistoryEntry> entries = history.entries(route, room); // oldest first
    QJsonArray rows;
    qsizetype i = entries.size() - 1, bytes = 0;
    while (i >= 0 && entries.at(i).offset >= before)
        --i;
    for (; i >= 0 && rows.size() < pageSize; --i) {
        const HistoryEntry &entry = entries.at(i);
        const QJsonObject message = QJsonDocument::fromJson(entry.frame).object();
        const QJsonObject row{{u"offset"_s, entry.offset}, {u"time"_s, entry.createdAtMs},
                              {u"event"_s, message.value("event"_L1)}, {u"payload"_s, message.value("payload"_L1)},
                              {u"size"_s, entry.frame.size()}};
        if (maxBytes > 0 && (bytes += entry.frame.size() + 64) > maxBytes && !rows.isEmpty())
            break; // "more" below: the asker pages on from here
        rows.append(row);
    }
    page.insert(u"rows"_s, rows);
    page.insert(u"more"_s, i >= 0); // older entries remain here
    page.insert(u"historyLength"_s, entries.size());
    if (!entries.isEmpty())
        page.insert(u"oldestOffset"_s, entries.first().offset);
    return page;
}

Ack AdminFeed::historyAnswer(const QString &route, const QString &room, qsizetype pageSize, const QJsonObject &local,
                             const cluster::ClusterAnswers &answers) const
{
    // The union of every node's rows (the same offset is the same message on every node), newest
    // first. Each node gave its newest pageSize rows below `before` (or fewer with "more" when
    // its answer was full): the union's newest are among them, down to the highest offset where
    // a node stopped early.
    std::map<qint64, QJsonObject, std::greater<>> rows;
    HistoryExtent history;
    qint64 floor = 0;
    bool more = false, roomSomewhere = false;
    cluster::ClusterAnswers marked = answers;
    auto add = [&](const QJsonObject &page) {
        history.add(page);
        roomSomewhere = roomSomewhere || page.value("hasMembers"_L1).toBool();
        const QJsonArray nodeRows = page.value("rows"_L1).toArray();
        for (const QJsonValue &row : nodeRows)
            rows.emplace(row[u"offset"_s].toInteger(), row.toObject());
        if (page.value("more"_L1).toBool()) {
            more = true;
            if (nodeRows.size() < pageSize && !nodeRows.isEmpty()) // stopped by its answer's size
                floor = std::max(floor, nodeRows.last()[u"offset"_s].toInteger());
        }
    };
    add(local);
    for (const auto &[node, answer] : answers.answers) {
        if (answer.contains("error"_L1))
            marked.missing.append(node);
        else
            add(answer);
    }
    marked.missing.sort();
    // A room with no message anywhere and no member here or there keeps nothing to show.
    if (history.latest == 0 && !roomSomewhere && !marked.partial())
        return Error::notFound(u"room %1 on %2 keeps no history"_s.arg(room, route));
    QJsonArray page;
    for (const auto &[offset, row] : rows) {
        if (page.size() >= pageSize || offset < floor) {
            more = true;
            break;
        }
        page.append(row);
    }
    QJsonObject json{{u"route"_s, route}, {u"room"_s, room}, {u"rows"_s, page}, {u"limit"_s, pageSize},
                     {u"historyLength"_s, history.length}, {u"offset"_s, history.latest}};
    if (more && !page.isEmpty()) // older entries remain
        json.insert(u"nextBefore"_s, page.last()[u"offset"_s]);
    return Ack::ok(marked.marked(json));
}

void AdminFeed::pagesMayHaveChanged()
{
    if (!m_consoles.isEmpty() && !m_pageTimer.isActive())
        m_pageTimer.start();
}

void AdminFeed::pushPages()
{
    // In a cluster rooms pages count every node's rooms: one "rooms" question serves every
    // console's page (at most one in flight; the next refresh, within a second, asks again).
    if (m_cluster && !m_consoles.isEmpty() && !m_askingRooms) {
        m_askingRooms = true;
        const bool asked = refreshRemoteRooms([feed = QPointer<AdminFeed>(this)] {
            if (feed) {
                feed->m_askingRooms = false;
                feed->pushPagesNow();
            }
        });
        if (asked)
            return;
        m_askingRooms = false; // too many questions in flight: the last answer will do
    } else if (m_askingRooms) {
        return; // its answer pushes the pages
    }
    pushPagesNow();
}

void AdminFeed::pushPagesNow()
{
    const QList<SocketId> consoles = m_consoles.keys();
    for (const SocketId &id : consoles) {
        // A console already behind gets no page now; the next refresh tries again.
        if (m_hub.queuedBytes(id) > m_limits.maxQueuedBytes)
            continue;
        const Console &console = m_consoles[id];
        // In a cluster a sockets page holds every node's sockets, which this node does not see
        // change: there the console asks again (admin:query) instead.
        for (const adminviews::Query &query : {console.socketsQuery, console.roomsQuery}) {
            if (m_cluster && query.view == adminviews::Query::View::Sockets)
                continue;
            const QJsonObject page = localPage(query);
            if (remember(id, query, page))
                send(id, u"admin:page"_s, page);
        }
    }
}

void AdminFeed::sendToShowing(const SocketId &socket, const QString &roomKey, const QString &event,
                              const QJsonObject &payload)
{
    QByteArray frame; // encoded once, if any console shows the row
    for (auto it = m_consoles.cbegin(); it != m_consoles.cend(); ++it) {
        if (!(!socket.isEmpty() && it->shownSockets.contains(socket)) && !(!roomKey.isEmpty() && it->shownRooms.contains(roomKey)))
            continue;
        if (frame.isEmpty())
            frame = protocol::encodeEvent(event, payload);
        if (Session *session = m_hub.session(it.key()))
            m_hub.sendFrame(*session, event, frame);
    }
}

void AdminFeed::send(const SocketId &console, const QString &event, const QJsonValue &payload)
{
    if (Session *session = m_hub.session(console))
        m_hub.sendFrame(*session, event, protocol::encodeEvent(event, payload));
}

void AdminFeed::broadcast(const QString &event, const QJsonValue &payload)
{
    if (m_consoles.isEmpty())
        return;
    const QByteArray frame = protocol::encodeEvent(event, payload); // once for every console
    for (auto it = m_consoles.cbegin(); it != m_consoles.cend(); ++it) {
        if (Session *session = m_hub.session(it.key()))
            m_hub.sendFrame(*session, event, frame);
    }
}

void AdminFeed::tap(const QString &route, const QString &event, const QString &room, const QString &socket,
                    bool incoming, qsizetype bytes, const QJsonValue &payload, qsizetype recipients)
{
    QList<SocketId> tooSlow;
    for (auto it = m_consoles.begin(); it != m_consoles.end(); ++it) {
        Console &console = *it;
        if (!console.tap.matches(route, event, room, socket, incoming)
            || !console.tap.concernsUsers(m_hub, route, room, socket))
            continue;
        if (console.sentThisSecond >= m_limits.tapPerSecond) {
            ++console.dropped; // summarised in the next admin:counters instead
            continue;
        }
        if (m_hub.queuedBytes(it.key()) > m_limits.maxQueuedBytes) {
            tooSlow.append(it.key());
            continue;
        }
        ++console.sentThisSecond;
        QJsonObject traffic{{u"t"_s, QDateTime::currentMSecsSinceEpoch()},
                            {u"dir"_s, incoming ? u"in"_s : u"out"_s},
                            {u"route"_s, route},
                            {u"event"_s, event},
                            {u"size"_s, bytes}};
        if (!socket.isEmpty()) {
            traffic.insert(u"socket"_s, socket);
            if (const Session *session = m_hub.session(socket); session && !userIdOf(*session).isEmpty())
                traffic.insert(u"user"_s, userIdOf(*session)); // the sender (in) or the one addressed (out)
        }
        if (!room.isEmpty())
            traffic.insert(u"room"_s, room);
        if (!incoming)
            traffic.insert(u"recipients"_s, recipients);
        if (console.tap.payloads && !payload.isUndefined())
            traffic.insert(u"payload"_s, payload);
        send(it.key(), u"admin:traffic"_s, traffic);
    }
    for (const SocketId &id : tooSlow) {
        qCWarning(lcAdmin, "console %s is too slow (%lld bytes queued): disconnecting it", qUtf8Printable(id),
                  m_hub.queuedBytes(id));
        m_consoles.remove(id); // nothing more is queued for it
        m_hub.disconnect(id, protocol::close::SlowConsumer, u"slow consumer"_s);
    }
    if (!tooSlow.isEmpty())
        updateTapConnections();
}

Ack AdminFeed::actElsewhere(EventContext &ctx, const QString &action, const SocketId &socket, const QJsonObject &args)
{
    cluster::Cluster *cluster = m_server.cluster();
    if (!cluster)
        return Error::notFound(u"no socket %1"_s.arg(socket));
    const QString actor = u"console:"_s + m_consoles.value(ctx.session().id()).actor;
    return Ack::later([cluster, action, socket, args, actor](Ack::Reply reply) {
        const bool asked = cluster->act(action, socket, args, actor, [reply, socket](bool found, bool changed) {
            reply(found ? Ack::ok(QJsonObject{{u"changed"_s, changed}})
                        : Ack(Error::notFound(u"no node holds socket %1"_s.arg(socket))));
        });
        if (!asked)
            reply(Error::overloaded(u"too many cluster questions in flight; retry later"_s));
    });
}

void AdminFeed::addTrafficRates(QJsonObject &counters, const QHash<QString, qint64> &connectionsByRoute)
{
    const metrics::TrafficMetrics *traffic = m_hub.metrics();
    if (!traffic)
        return;
    using Totals = metrics::TrafficMetrics::Totals;
    using RouteTotals = metrics::TrafficMetrics::RouteTotals;
    Totals now = traffic->totals();
    const Totals &before = m_lastTotals;

    // Per route (the console's own /_admin traffic left out), and their sum.
    QStringList routeNames = connectionsByRoute.keys();
    for (auto it = now.routes.cbegin(); it != now.routes.cend(); ++it) {
        if (!Hub::isInternalRoute(it.key()) && !routeNames.contains(it.key()))
            routeNames.append(it.key());
    }
    std::sort(routeNames.begin(), routeNames.end());
    RouteTotals all;
    QJsonArray routes;
    for (const QString &route : std::as_const(routeNames)) {
        const RouteTotals current = now.routes.value(route), last = before.routes.value(route);
        const RouteTotals change{current.messagesIn - last.messagesIn, current.bytesIn - last.bytesIn,
                                 current.messagesOut - last.messagesOut, current.bytesOut - last.bytesOut,
                                 current.acksError - last.acksError, current.slowConsumers - last.slowConsumers};
        all += change;
        routes.append(QJsonObject{{u"route"_s, route},
                                  {u"connections"_s, connectionsByRoute.value(route)},
                                  {u"inPerSecond"_s, change.messagesIn},
                                  {u"outPerSecond"_s, change.messagesOut},
                                  {u"bytesInPerSecond"_s, change.bytesIn},
                                  {u"bytesOutPerSecond"_s, change.bytesOut},
                                  {u"errorAcksPerSecond"_s, change.acksError}});
    }
    counters.insert(u"routes"_s, routes);
    counters.insert(u"bytesInPerSecond"_s, all.bytesIn);
    counters.insert(u"bytesOutPerSecond"_s, all.bytesOut);
    counters.insert(u"slowConsumersPerSecond"_s, all.slowConsumers);

    QJsonObject errors; // only the codes sent in the last second
    qint64 errorsPerSecond = 0;
    for (auto it = now.errors.cbegin(); it != now.errors.cend(); ++it) {
        if (const qint64 change = it.value() - before.errors.value(it.key()); change > 0) {
            errors.insert(it.key(), change);
            errorsPerSecond += change;
        }
    }
    counters.insert(u"errorsPerSecond"_s, errorsPerSecond);

    // The busiest events of the last second (the Traffic page's rates: the tap itself is capped).
    struct EventRate
    {
        QString route, event;
        qint64 in, out;
    };
    QList<EventRate> rates;
    for (auto it = now.events.cbegin(); it != now.events.cend(); ++it) {
        if (Hub::isInternalRoute(it.key().first))
            continue;
        const QPair<qint64, qint64> last = before.events.value(it.key());
        const qint64 in = it->first - last.first, out = it->second - last.second;
        if (in > 0 || out > 0)
            rates.append({it.key().first, it.key().second, in, out});
    }
    std::sort(rates.begin(), rates.end(), [](const EventRate &a, const EventRate &b) {
        return a.in + a.out != b.in + b.out ? a.in + a.out > b.in + b.out
                                            : std::tie(a.route, a.event) < std::tie(b.route, b.event);
    });
    QJsonArray events;
    for (const EventRate &rate : std::as_const(rates).first(std::min<qsizetype>(rates.size(), MaxEventRates))) {
        events.append(QJsonObject{{u"route"_s, rate.route}, {u"event"_s, rate.event},
                                  {u"inPerSecond"_s, rate.in}, {u"outPerSecond"_s, rate.out}});
    }
    counters.insert(u"events"_s, events);
    counters.insert(u"errorsByCode"_s, errors);
    counters.insert(u"refusedHandshakesPerSecond"_s, now.refusedHandshakes - before.refusedHandshakes);

    metrics::Histogram::Counts handled{};
    for (std::size_t i = 0; i < handled.size(); ++i)
        handled[i] = now.handlerTimes[i] - before.handlerTimes[i];
    if (const double p50 = metrics::Histogram::quantile(handled, 0.5); p50 >= 0) {
        counters.insert(u"handlerMs"_s, QJsonObject{{u"p50"_s, p50 * 1000},
                                                     {u"p99"_s, metrics::Histogram::quantile(handled, 0.99) * 1000}});
    }
    m_lastTotals = std::move(now);
}

void AdminFeed::tick()
{
    qsizetype sockets = 0;
    QHash<QString, qint64> connectionsByRoute;
    for (const Session *session : m_hub.sessions()) {
        if (!Hub::isInternalRoute(session->route())) {
            ++sockets;
            ++connectionsByRoute[session->route()];
        }
    }
    qsizetype rooms = 0;
    for (const RoomInfo &room : m_hub.rooms()) {
        if (!Hub::isInternalRoute(room.route))
            ++rooms;
    }
    QJsonObject counters{{u"t"_s, QDateTime::currentMSecsSinceEpoch()},
                         {u"connections"_s, sockets},
                         {u"rooms"_s, rooms},
                         {u"messagesIn"_s, m_hub.messagesIn()},
                         {u"messagesOut"_s, m_hub.messagesOut()},
                         {u"inPerSecond"_s, m_hub.messagesIn() - m_lastIn},
                         {u"outPerSecond"_s, m_hub.messagesOut() - m_lastOut}};
    addTrafficRates(counters, connectionsByRoute);
    if (Storage *storage = m_server.storage())
        counters.insert(u"storage"_s, storage->status().toJson());
    m_lastIn = m_hub.messagesIn();
    m_lastOut = m_hub.messagesOut();
    pagesMayHaveChanged(); // the shown rows' message counts
    for (auto it = m_consoles.begin(); it != m_consoles.end(); ++it) {
        QJsonObject mine = counters;
        mine.insert(u"tapDropped"_s, std::exchange(it->dropped, 0));
        // Live figures (history length, offset) of the rooms this console's page shows, and no
        // others: every room of a large server each second would weigh on server and console alike.
        QJsonArray summaries;
        for (const QString &key : std::as_const(it->shownRooms)) {
            const qsizetype split = key.indexOf(u'\n');
            // In a cluster the members are the cluster's (as of the last "rooms" answer); a room
            // on other nodes only changes with the next admin:page.
            if (std::optional<RoomInfo> room = m_hub.room(key.left(split), key.mid(split + 1))) {
                room->members = clusterMembers(room->route, room->name, room->members);
                summaries.append(roomJson(*room));
            }
        }
        if (!summaries.isEmpty())
            mine.insert(u"roomSummaries"_s, summaries);
        it->sentThisSecond = 0;
        send(it.key(), u"admin:counters"_s, mine);
    }
}

} // namespace cortado
