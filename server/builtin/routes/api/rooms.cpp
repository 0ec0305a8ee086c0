// GET /api/rooms[?route=/chat] — the live rooms the caller may read, with member counts, per
// WebSocket route. Rooms whose guard refuses the caller (another user's "user:<id>", a project the
// caller is not in) are left out; an admin sees every room. In a cluster the rooms and counts are
// the whole cluster's: the other nodes are asked, and a node that does not answer within the cluster
// timeout is named in "missingNodes" with "partial": true (the answer never waits longer).
#include <cortado/cluster.h>
#include <cortado/route.h>

using namespace Qt::StringLiterals;

namespace {

using RoomCounts = QMap<std::pair<QString, QString>, qint64>;

// The rooms the caller may read (asked on this node, whichever node holds the members).
QJsonObject readable(cortado::Context &ctx, const RoomCounts &counts)
{
    QJsonArray rooms;
    for (auto room = counts.cbegin(); room != counts.cend(); ++room) {
        if (cortado::authorizeRoom(ctx, room.key().first, room.key().second, cortado::RoomAction::Read, false))
            continue;
        rooms.append(QJsonObject{{u"route"_s, room.key().first}, {u"room"_s, room.key().second}, {u"members"_s, *room}});
    }
    return QJsonObject{{u"rooms"_s, rooms}};
}

} // namespace

CORTADO_REST_ROUTE(route)
{
    route.get([](cortado::Context &ctx) {
        const QString routeFilter = ctx.request().queryValue(u"route"_s);
        RoomCounts counts; // (route, room) → members, sorted
        for (const cortado::RoomInfo &room : ctx.realtime().rooms(routeFilter))
            counts[{room.route, room.name}] += room.members;
        auto *cluster = ctx.services().get<cortado::cluster::Cluster>();
        if (!cluster)
            return cortado::HttpResponse::json(readable(ctx, counts));
        return cortado::HttpResponse::later([ctx, cluster, routeFilter, counts](cortado::HttpResponse::Reply reply) mutable {
            const bool asked = cluster->ask(u"rooms"_s, QJsonObject{{u"route"_s, routeFilter}},
                                            [ctx, counts, reply](const cortado::cluster::ClusterAnswers &answers) mutable {
                for (const auto &[node, answer] : answers.answers) {
                    for (const QJsonValue &value : answer.value("rooms"_L1).toArray()) {
                        const QJsonObject room = value.toObject();
                        counts[{room.value("route"_L1).toString(), room.value("room"_L1).toString()}] +=
                                room.value("members"_L1).toInteger();
                    }
                }
                reply(cortado::HttpResponse::json(answers.marked(readable(ctx, counts))));
            });
            if (!asked)
                reply(cortado::HttpResponse::error(cortado::Error::overloaded(u"too many cluster questions in flight"_s)));
        });
    });
}
