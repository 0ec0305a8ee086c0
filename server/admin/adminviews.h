// Paged, filtered and sorted views of sockets and rooms for the admin channel (admin:query,
// admin:page; docs/admin.md, "Pages"). The console asks for the page it shows instead of receiving
// every socket: this file holds the query, its validation and the comparisons; AdminFeed runs them
// over the hub (and, in a cluster, merges every node's first matches).
#pragma once

#include <optional>

#include "core/error.h"
#include "core/hub.h"

#include <QJsonObject>
#include <QString>

#include <variant>

namespace cortado::adminviews {

struct Query
{
    enum class View { Sockets, Rooms };
    static constexpr qsizetype DefaultLimit = 100; // the snapshot's first page, and a query without `limit`
    static constexpr qsizetype MaxLimit = 500; // a larger `limit` is clamped (the answer says the limit used)
    static constexpr qsizetype MaxOffset = 1'000'000; // beyond: bad_request (no server has that many rows)

    View view = View::Sockets;
    // Filters (all optional, all must hold). sockets: `text` is a case-insensitive part of the id,
    // user id or name, route, address, node or a room; `route` the exact route; `room` a room the
    // socket is in; `user` the exact user id. rooms: `text` a part of the route or room name,
    // `route` the exact route, `room` the exact room name (`user` does not apply).
    QString text, route, room, user;
    QString sortKey; // sockets: connectedAt (default), id, user, route, address, node, messagesIn, messagesOut;
                     // rooms: room (default), route, members
    bool descending = false;
    qsizetype offset = 0;
    qsizetype limit = DefaultLimit;

    // The request's payload → a query, or a bad_request error that says what is wrong.
    static std::variant<Query, Error> parse(const QJsonObject &request);
    static Query defaults(View view);
    QJsonObject toJson() const; // the same shape parse() reads (cluster questions, answers)
    QString viewName() const { return view == View::Sockets ? QStringLiteral("sockets") : QStringLiteral("rooms"); }
};

// A whole number at `name` in an admin request: `fallback` when absent or null, nullopt when it is
// not a whole number from `min` to `max`.
std::optional<qint64> wholeNumber(const QJsonObject &request, QLatin1String name, qint64 fallback,
                                  qint64 min, qint64 max);

// One row's place in a sort: a number or a text, then the id, so that the order is total and the
// same on every node.
struct SortValue
{
    qint64 number = 0;
    QString text;
    QString id;
};
bool lessThan(const SortValue &a, const SortValue &b, bool descending);

// Sockets, from the hub's sessions (`node`: this node's id, "" on a single node) and from JSON rows
// (another node's answer, merged here).
bool matches(const Session &session, const Query &query, const QString &node);
SortValue sortValue(const Session &session, const QString &key, const QString &node);
SortValue socketSortValue(const QJsonObject &row, const QString &key);

// Rooms.
bool matches(const RoomInfo &room, const Query &query);
SortValue sortValue(const RoomInfo &room, const QString &key);

} // namespace cortado::adminviews
