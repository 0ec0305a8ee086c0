// PUT / DELETE /api/sockets/<socket>/rooms/<room> — admins move a socket into or out of a room of
// its route. Server-side: room guards do not apply, and each change is logged to cortado.audit.
// In a cluster the socket may be on another node: that node makes the change (and logs it).
#include <cortado/route.h>

#include <cortado/auth.h>
#include <cortado/cluster.h>

using namespace Qt::StringLiterals;

namespace {

cortado::HttpResponse change(cortado::Context &ctx, bool join)
{
    const QString socket = ctx.request().param(u"socket"_s);
    const QString room = ctx.request().param(u"room"_s);
    if (!cortado::protocol::isValidRoomName(room))
        return cortado::HttpResponse::error(
                cortado::Error::badRequest(cortado::protocol::errors::BadRoom, u"not a valid room name"_s));
    const QString actor = cortado::auth::currentUser(ctx)->id;
    auto *cluster = ctx.services().get<cortado::cluster::Cluster>();
    if (!ctx.realtime().hasSocket(socket) && cluster) {
        return cortado::HttpResponse::later([cluster, socket, room, actor, join](cortado::HttpResponse::Reply reply) {
            const auto answer = [reply, socket, room](bool found, bool changed) {
                reply(found ? cortado::HttpResponse::json(
                                      QJsonObject{{u"socket"_s, socket}, {u"room"_s, room}, {u"changed"_s, changed}})
                            : cortado::HttpResponse::error(cortado::Error::notFound(u"no socket %1"_s.arg(socket))));
            };
            if (!cluster->act(join ? u"join"_s : u"leave"_s, socket, QJsonObject{{u"room"_s, room}}, actor, answer))
                reply(cortado::HttpResponse::error(cortado::Error::overloaded(u"too many cluster questions in flight"_s)));
        });
    }
    if (!ctx.realtime().hasSocket(socket))
        return cortado::HttpResponse::error(cortado::Error::notFound(u"no socket %1"_s.arg(socket)));
    const bool changed = join ? ctx.realtime().serverJoin(socket, room, actor)
                              : ctx.realtime().serverLeave(socket, room, actor);
    return cortado::HttpResponse::json(
            QJsonObject{{u"socket"_s, socket}, {u"room"_s, room}, {u"changed"_s, changed}});
}

} // namespace

CORTADO_REST_ROUTE(route)
{
    route.use(cortado::auth::requireRole(u"admin"_s));
    route.put([](cortado::Context &ctx) { return change(ctx, true); });
    route.del([](cortado::Context &ctx) { return change(ctx, false); });
}
