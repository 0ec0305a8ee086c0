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
// Boards are kept in memory and persisted through storage (when the server has one: optional), so
// they come back after a restart.
#include <cortado/route.h>

#include <cortado/auth.h>
#include <cortado/storage.h>

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

const QString Collection = QStringLiteral("board");

// The room's board: in memory, else as storage had it at start-up, else empty.
Board &boardOf(QHash<QString, Board> &boards, const cortado::SocketContext &ctx)
{
    const QString &room = *ctx.room();
    auto it = boards.find(room);
    if (it == boards.end()) {
        Board board;
        if (const auto *storage = ctx.services().get<cortado::Storage>()) {
            const QJsonObject saved = storage->startupDocuments(Collection).value(room);
            board.state = saved.value("state"_L1).toObject();
            board.version = saved.value("version"_L1).toInteger();
        }
        it = boards.insert(room, board);
    }
    return *it;
}

// Queues the board for storage; false when storage cannot take it now.
bool save(const cortado::EventContext &ctx, const Board &board)
{
    auto *storage = ctx.services().get<cortado::Storage>();
    return !storage
            || storage->putDocument(Collection, *ctx.room(),
                                    QJsonObject{{u"state"_s, board.state}, {u"version"_s, board.version}});
}

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

} // namespace

CORTADO_WS_ROUTE(route)
{
    auto boards = std::make_shared<QHash<QString, Board>>();
    route.use(cortado::auth::requireUser());

    route.trackPresence();
    route.onJoin([boards](cortado::SocketContext &ctx) {
        const Board &board = boardOf(*boards, ctx);
        ctx.push(u"board:state"_s, QJsonObject{{u"state"_s, board.state}, {u"version"_s, board.version}});
    });

    route.on(u"board:clear"_s, [boards](cortado::EventContext &ctx) -> cortado::Ack {
        Board &board = boardOf(*boards, ctx);
        Board cleared{{}, board.version + 1};
        if (!save(ctx, cleared))
            return cortado::Error::overloaded(u"the board cannot be stored right now"_s);
        board = cleared;
        ctx.broadcast(u"board:cleared"_s, QJsonObject{{u"version"_s, board.version}});
        return cortado::Ack::ok(QJsonObject{{u"version"_s, board.version}});
    })
            .use(cortado::auth::requireRoleForEvent(u"moderator"_s))
            .requireMembership()
            .describe(u"Empty the room's board (moderators); the room gets board:cleared"_s);

    route.on(u"board:update"_s, [boards](cortado::EventContext &ctx) -> cortado::Ack {
        if (!ctx.payload().isObject())
            return cortado::Error::badRequest(errors::BadPayload,
                                              u"board:update takes a JSON object to merge"_s);
        Board &board = boardOf(*boards, ctx);
        Board updated{mergePatch(board.state, ctx.payload().toObject()), board.version + 1};
        if (QJsonDocument(updated.state).toJson(QJsonDocument::Compact).size() > MaxBoardBytes)
            return cortado::Error::badRequest(errors::PayloadTooLarge,
                                              u"a board holds at most %1 bytes"_s.arg(MaxBoardBytes));
        // Stored before it is acknowledged: an acknowledged update survives a restart.
        if (!save(ctx, updated))
            return cortado::Error::overloaded(u"the board cannot be stored right now"_s);
        board = std::move(updated);
        ctx.broadcastFrom(u"board:updated"_s,
                          QJsonObject{{u"patch"_s, ctx.payload()}, {u"version"_s, board.version}});
        return cortado::Ack::ok(QJsonObject{{u"version"_s, board.version}});
    })
            .requireMembership()
            .describe(u"Merge a JSON merge patch (RFC 7386: null removes a key) into the room's board"_s,
                      QJsonObject{{u"title"_s, u"Sprint 12"_s}, {u"cards"_s, QJsonObject{{u"a"_s, u"Write the docs"_s}}}},
                      QJsonObject{{u"type"_s, u"object"_s}});
}
