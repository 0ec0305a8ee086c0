// GET /api/rooms/<room>[?route=/chat] — one room: its members on each WebSocket route that has it
// and whose room rules let the caller read it (401/403 when the room is open only where they refuse).
// In a cluster: the members on every node; "nodes" says which node holds each socket, and a node
// that does not answer within the cluster timeout is named in "missingNodes" with "partial": true.
#include <cortado/cluster.h>
#include <cortado/route.h>

using namespace Qt::StringLiterals;

namespace {

struct Member
{
    QString socket;
    QString node; // empty on a single node
};
using Members = QMap<QString, QList<Member>>; // route → its members of the room

cortado::HttpResponse describe(cortado::Context &ctx, const QString &room, const Members &members, bool cluster,
                               const cortado::cluster::ClusterAnswers &answers = {})
{
    QJsonArray routes;
    qsizetype total = 0;
    std::optional<cortado::Error> refusal;
    for (auto route = members.cbegin(); route != members.cend(); ++route) {
        if (auto error = cortado::authorizeRoom(ctx, route.key(), room, cortado::RoomAction::Read)) {
            refusal = std::move(error);
            continue;
        }
        QJsonArray sockets;
        QJsonObject nodes;
        for (const Member &member : *route) {
            sockets.append(member.socket);
            nodes.insert(member.socket, member.node);
        }
        QJsonObject entry{{u"route"_s, route.key()}, {u"members"_s, route->size()}, {u"sockets"_s, sockets}};
        if (cluster)
            entry.insert(u"nodes"_s, nodes);
        routes.append(entry);
        total += route->size();
    }
    if (routes.isEmpty() && refusal)
        return cortado::HttpResponse::error(*refusal);
    if (routes.isEmpty() && !answers.partial())
        return cortado::HttpResponse::error(cortado::Error::notFound(u"no room \"%1\" is open"_s.arg(room)));
    return cortado::HttpResponse::json(
            answers.marked(QJsonObject{{u"room"_s, room}, {u"members"_s, total}, {u"routes"_s, routes}}));
}

} // namespace

CORTADO_REST_ROUTE(route)
{
    route.get([](cortado::Context &ctx) {
        const QString room = ctx.request().param(u"room"_s);
        const QString routeFilter = ctx.request().queryValue(u"route"_s);
        auto *cluster = ctx.services().get<cortado::cluster::Cluster>();
        const QString here = cluster ? cluster->nodeId() : QString();
        Members members;
        for (const cortado::RoomInfo &info : ctx.realtime().rooms(routeFilter)) {
            if (info.name != room)
                continue;
            for (const cortado::SocketId &member : ctx.realtime().members(info.route, room))
                members[info.route].append(Member{member, here});
        }
        if (!cluster)
            return describe(ctx, room, members, false);
        return cortado::HttpResponse::later([ctx, cluster, room, routeFilter, members](cortado::HttpResponse::Reply reply) mutable {
            const bool asked = cluster->ask(u"members"_s, QJsonObject{{u"room"_s, room}, {u"route"_s, routeFilter}},
                                            [ctx, room, members, reply](const cortado::cluster::ClusterAnswers &answers) mutable {
                for (const auto &[node, answer] : answers.answers) {
                    for (const QJsonValue &value : answer.value("routes"_L1).toArray()) {
                        const QJsonObject route = value.toObject();
                        for (const QJsonValue &socket : route.value("sockets"_L1).toArray())
                            members[route.value("route"_L1).toString()].append(Member{socket.toString(), node});
                    }
                }
                reply(describe(ctx, room, members, true, answers));
            });
            if (!asked)
                reply(cortado::HttpResponse::error(cortado::Error::overloaded(u"too many cluster questions in flight"_s)));
        });
    });
}
