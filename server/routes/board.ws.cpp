// WebSocket /board — a shared JSON board per room. Needs a token; board:clear needs "moderator".
//
//   → {"event":"board:update","room":"r1","payload":{"title":"x","cards":{"a":null}},"id":1}
//     merges the payload into the room's state (JSON merge patch, RFC 7386: null removes a key)
//   ← the other members get {"event":"board:updated","room":"r1","from":...,
//                            "payload":{"patch":{...},"version":N}}; the sender gets an ack {"version":N}
//   ← a joiner gets {"event":"board:state","room":"r1","payload":{"state":{...},"version":N}}
//   → {"event":"board:clear","room":"r1","id":2}   (moderators) empties the board;
//   ← the room gets {"event":"board:cleared","room":"r1","payload":{"version":N}}
//
// State lives in memory while the room has members and is dropped when it empties.
#include <cortado/route.h>

#include "auth/auth.h"

#include <QJsonDocument>

#include <memory>

using namespace Qt::StringLiterals;
namespace errors = cortado::protocol::errors;

namespace {

constexpr qsizetype MaxBoardBytes = 256 * 1024;

struct Board
{
    QJsonObject state;
    qint64 version = 0;
};

QJsonObject mergePatch(QJsonObject target, const QJsonObject &patch)
{
    for (auto it = patch.begin(); it != patch.end(); ++it) {
        if (it->isNull())
            target.remove(it.key());
        else if (it->isObject())
            target.insert(it.key(), mergePatch(target.value(it.key()).toObject(), it->toObject()));
        else
            target.insert(it.key(), *it);
    }
    return target;
}

std::optional<cortado::Error> requireMembership(const cortado::EventContext &ctx)
{
    if (!ctx.room())
        return cortado::Error::badRequest(errors::BadRoom, u"%1 needs a \"room\""_s.arg(ctx.event()));
    if (!ctx.session().isInRoom(*ctx.room()))
        return cortado::Error::badRequest(errors::NotInRoom,
                                          u"join \"%1\" before changing its board"_s.arg(*ctx.room()));
    return std::nullopt;
}

} // namespace

CORTADO_WS_ROUTE(route)
{
    auto boards = std::make_shared<QHash<QString, Board>>();
    route.use(cortado::auth::requireUser());

    route.onJoin([boards](cortado::EventContext &ctx) {
        const Board &board = (*boards)[*ctx.room()];
        ctx.hub().send(ctx.toSender(),
                       cortado::Message{u"board:state"_s,
                                        QJsonObject{{u"state"_s, board.state},
                                                    {u"version"_s, board.version}},
                                        ctx.room(), {}});
    });
    route.onRoomClosed([boards](const QString &room) { boards->remove(room); });

    route.on(u"board:clear"_s, [boards](cortado::EventContext &ctx) -> cortado::Ack {
        if (std::optional<cortado::Error> error = requireMembership(ctx))
            return *error;
        Board &board = (*boards)[*ctx.room()];
        board.state = {};
        ++board.version;
        ctx.hub().send(ctx.toRoom(*ctx.room()),
                       cortado::Message{u"board:cleared"_s, QJsonObject{{u"version"_s, board.version}},
                                        ctx.room(), ctx.session().id()});
        return cortado::Ack::ok(QJsonObject{{u"version"_s, board.version}});
    }).use(cortado::auth::requireRoleForEvent(u"moderator"_s));

    route.on(u"board:update"_s, [boards](cortado::EventContext &ctx) -> cortado::Ack {
        if (std::optional<cortado::Error> error = requireMembership(ctx))
            return *error;
        if (!ctx.payload().isObject())
            return cortado::Error::badRequest(errors::BadPayload,
                                              u"board:update takes a JSON object to merge"_s);
        Board &board = (*boards)[*ctx.room()];
        QJsonObject merged = mergePatch(board.state, ctx.payload().toObject());
        if (QJsonDocument(merged).toJson(QJsonDocument::Compact).size() > MaxBoardBytes)
            return cortado::Error::badRequest(errors::PayloadTooLarge,
                                              u"a board holds at most %1 bytes"_s.arg(MaxBoardBytes));
        board.state = std::move(merged);
        ++board.version;
        ctx.hub().send(ctx.toRoom(*ctx.room()).except(ctx.session().id()),
                       cortado::Message{u"board:updated"_s,
                                        QJsonObject{{u"patch"_s, ctx.payload()},
                                                    {u"version"_s, board.version}},
                                        ctx.room(), ctx.session().id()});
        return cortado::Ack::ok(QJsonObject{{u"version"_s, board.version}});
    });
}
