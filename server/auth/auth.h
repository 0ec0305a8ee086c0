// Authentication and authorization, on the one middleware model REST and WebSockets share.
//
//   auth::install(server.router(), server.hub(), verifier);   // token check for everything
//   route.use(auth::requireUser());                              // per route file: no guests
//   route.on(u"board:clear"_s, ...).use(auth::requireRoleForEvent(u"moderator"_s));
//   route.guardRooms(u"user:{id}"_s, auth::onlyUser(u"id"_s));
#pragma once

#include "routing/router.h"
#include "tokens.h"

#include <QObject>
#include <QSet>
#include <QTimer>

#include <memory>

namespace cortado::auth {

// Roles with a meaning to the server: "admin" bypasses room guards (logged) and may act on the admin
// channel; "publisher" may publish into rooms over REST (POST /api/rooms/<room>/broadcast).
inline constexpr QLatin1String AdminRole{"admin"};
inline constexpr QLatin1String PublisherRole{"publisher"};

// The user on a REST/handshake context or a socket; std::nullopt for guests.
std::optional<User> currentUser(const Context &ctx);
std::optional<User> currentUser(const SocketContext &ctx); // an event handler's or a hook's

// Reads the token (REST: "Authorization: Bearer"; WebSocket handshakes also "?token=" and the
// subprotocol "cortado.bearer.<token>"), verifies it and puts the user on the context. No token:
// the request continues as a guest. A bad token: 401, even where guests are welcome.
Middleware authenticate(std::shared_ptr<const TokenVerifier> verifier);

// 401 for guests.
Middleware requireUser();
// 401 for guests, 403 without `role`.
Middleware requireRole(const QString &role);
// The same for one event: error ack `unauthorized` / `forbidden`.
EventMiddleware requireRoleForEvent(const QString &role);

// Room guards. onlyUser: only the user whose id is the capture `parameter` ("user:{id}").
RoomGuard onlyUser(const QString &parameter);
// Any signed-in user for whom `isMember(user, capture)` holds (e.g. project membership).
RoomGuard membersOnly(const QString &parameter,
                      std::function<bool(const Services &, const User &, const QString &)> isMember);

// Explicit membership for rooms like "private:*": server code grants and revokes.
class RoomAccessList
{
public:
    void grant(const QString &room, const QString &userId) { m_members[room].insert(userId); }
    void revoke(const QString &room, const QString &userId) { m_members[room].remove(userId); }
    bool allows(const QString &room, const QString &userId) const
    {
        return m_members.value(room).contains(userId);
    }
    RoomGuard guard() const; // the RoomAccessList must outlive the route

private:
    QHash<QString, QSet<QString>> m_members;
};

// Tells a socket its token is about to expire (system:token_expiring), accepts auth:refresh with a
// new token for the same user, and closes the socket with 4010 at expiry if no refresh came.
class TokenLifetime : public QObject
{
    Q_OBJECT

public:
    TokenLifetime(Hub &hub, std::shared_ptr<const TokenVerifier> verifier, QObject *parent = nullptr);

    // The auth:refresh handler: {"event":"auth:refresh","payload":{"token":"..."},"id":1}.
    Ack refresh(EventContext &ctx);

private:
    struct Timers
    {
        std::unique_ptr<QTimer> warning;
        std::unique_ptr<QTimer> expiry;
    };
    void schedule(const SocketId &id, const QDateTime &expiresAt);

    Hub &m_hub;
    std::shared_ptr<const TokenVerifier> m_verifier;
    std::unordered_map<SocketId, Timers> m_timers;
};

// Everything above for a whole server: global authenticate middleware, the auth:refresh event on
// every WebSocket route, the expiry timers (parented to the hub), the verifier as a service, and
// the room privileges (AdminRole, PublisherRole) on the router's RoomAuthorizer.
void install(Router &router, Hub &hub, std::shared_ptr<const TokenVerifier> verifier);

} // namespace cortado::auth
