// The one place that decides who may use a room: a socket's room:join, every REST route that reads
// or writes a room (history, presence, members, broadcast) and the admin channel all ask it.
#pragma once

#include "routes.h"

namespace cortado {

class Router;

class RoomAuthorizer
{
public:
    // Names the privilege `caller` holds for `action` (for the audit log), or std::nullopt. A
    // privileged caller bypasses room guards; Publish always needs one. auth::install() grants it by
    // role: "admin" for everything, "publisher" for Publish.
    using Privilege = std::function<std::optional<QString>(const QVariantMap &caller, RoomAction action)>;

    explicit RoomAuthorizer(const Router &router) : m_router(router) { }

    void setPrivilege(Privilege privilege) { m_privilege = std::move(privilege); }

    // A socket asking for a room of its own route (its handshake passed already): the room's guard.
    std::optional<Error> authorize(const Session &session, const Services &services,
                                   const QString &room, RoomAction action) const;

    // A REST request asking for a room of the WebSocket route `route`: 404 when there is no such
    // route; then the route's handshake middleware runs on the request (so rooms of a route that
    // needs a token need one over REST too); then the room's guard, or the caller's privilege
    // (logged to "cortado.audit"). Publish needs the privilege.
    // `audit` false: a privileged pass is not logged (listing many rooms at once).
    std::optional<Error> authorize(Context &ctx, const QString &route, const QString &room,
                                   RoomAction action, bool audit = true) const;

private:
    std::optional<Error> checkGuard(const WsRoute &route, const QString &routePath,
                                    const QVariantMap &caller, const Services &services,
                                    const QString &room, RoomAction action) const;

    const Router &m_router;
    Privilege m_privilege;
};

// The authorizer of the router that serves `ctx` (a route file's shortcut).
std::optional<Error> authorizeRoom(Context &ctx, const QString &route, const QString &room,
                                   RoomAction action, bool audit = true);

} // namespace cortado
