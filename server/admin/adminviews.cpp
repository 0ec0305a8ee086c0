#include "adminviews.h"

#include <QJsonArray>

#include <algorithm>
#include <cmath>
#include <tuple>

using namespace Qt::StringLiterals;

namespace cortado::adminviews {

namespace {

const QStringList SocketKeys{u"connectedAt"_s, u"id"_s, u"user"_s, u"route"_s, u"address"_s,
                             u"node"_s, u"messagesIn"_s, u"messagesOut"_s};
const QStringList RoomKeys{u"room"_s, u"route"_s, u"members"_s};

bool isNumberKey(const QString &key)
{
    return key == "connectedAt"_L1 || key == "messagesIn"_L1 || key == "messagesOut"_L1 || key == "members"_L1;
}

Error bad(const QString &message)
{
    return Error::badRequest(protocol::errors::BadRequest, message);
}

QString userId(const Session &session)
{
    return session.data.value(u"user"_s).toMap().value(u"id"_s).toString();
}

} // namespace

std::variant<Query, Error> Query::parse(const QJsonObject &request)
{
    const QString viewName = request.value("view"_L1).toString();
    if (viewName != "sockets"_L1 && viewName != "rooms"_L1)
        return bad(u"\"view\" is \"sockets\" or \"rooms\""_s);
    Query query = defaults(viewName == "sockets"_L1 ? View::Sockets : View::Rooms);

    const QJsonValue filter = request.value("filter"_L1);
    if (!filter.isUndefined() && !filter.isNull() && !filter.isObject())
        return bad(u"\"filter\" is an object {text?, route?, room?, user?}"_s);
    const QJsonObject filters = filter.toObject();
    for (auto [name, field] : {std::pair{"text"_L1, &query.text}, std::pair{"route"_L1, &query.route},
                               std::pair{"room"_L1, &query.room}, std::pair{"user"_L1, &query.user}}) {
        const QJsonValue value = filters.value(name);
        if (value.isUndefined() || value.isNull())
            continue;
        if (!value.isString() || value.toString().size() > 200)
            return bad(u"filter.%1 is a string of at most 200 characters"_s.arg(name));
        *field = value.toString();
    }

    const QJsonValue sort = request.value("sort"_L1);
    if (!sort.isUndefined() && !sort.isNull()) {
        const QJsonObject order = sort.toObject();
        const QString key = order.value("key"_L1).toString(query.sortKey);
        const QStringList &keys = query.view == View::Sockets ? SocketKeys : RoomKeys;
        if (!sort.isObject() || !keys.contains(key))
            return bad(u"sort.key for %1 is one of: %2"_s.arg(viewName, keys.join(u", "_s)));
        query.sortKey = key;
        query.descending = order.value("desc"_L1).toBool(false);
    }

    const std::optional<qint64> offset = wholeNumber(request, "offset"_L1, 0, 0, 1'000'000'000);
    if (!offset || *offset > MaxOffset)
        return bad(u"\"offset\" is a whole number from 0 to %1"_s.arg(MaxOffset));
    const std::optional<qint64> limit = wholeNumber(request, "limit"_L1, DefaultLimit, 0, 1'000'000'000);
    if (!limit || *limit < 1)
        return bad(u"\"limit\" is a whole number from 1 (more than %1 is clamped)"_s.arg(MaxLimit));
    query.offset = *offset;
    query.limit = std::min<qsizetype>(*limit, MaxLimit);
    return query;
}

std::optional<qint64> wholeNumber(const QJsonObject &request, QLatin1String name, qint64 fallback,
                                  qint64 min, qint64 max)
{
    const QJsonValue value = request.value(name);
    if (value.isUndefined() || value.isNull())
        return fallback;
    const double number = value.toDouble(-1);
    if (!value.isDouble() || number < double(min) || number > double(max) || number != std::floor(number))
        return std::nullopt;
    return qint64(number);
}

Query Query::defaults(View view)
{
    Query query;
    query.view = view;
    query.sortKey = view == View::Sockets ? u"connectedAt"_s : u"room"_s;
    return query;
}

QJsonObject Query::toJson() const
{
    QJsonObject filter;
    for (auto [name, field] : {std::pair{u"text"_s, &text}, std::pair{u"route"_s, &route},
                               std::pair{u"room"_s, &room}, std::pair{u"user"_s, &user}}) {
        if (!field->isEmpty())
            filter.insert(name, *field);
    }
    return {{u"view"_s, viewName()},
            {u"filter"_s, filter},
            {u"sort"_s, QJsonObject{{u"key"_s, sortKey}, {u"desc"_s, descending}}},
            {u"offset"_s, offset},
            {u"limit"_s, limit}};
}

bool lessThan(const SortValue &a, const SortValue &b, bool descending)
{
    const auto key = [](const SortValue &value) { return std::tie(value.number, value.text, value.id); };
    return descending ? key(b) < key(a) : key(a) < key(b);
}

bool matches(const Session &session, const Query &query, const QString &node)
{
    if (!query.route.isEmpty() && session.route() != query.route)
        return false;
    if (!query.room.isEmpty() && !session.isInRoom(query.room))
        return false;
    if (!query.user.isEmpty() && userId(session) != query.user)
        return false;
    if (query.text.isEmpty())
        return true;
    auto has = [&query](const QString &field) { return field.contains(query.text, Qt::CaseInsensitive); };
    const QVariantMap user = session.data.value(u"user"_s).toMap();
    if (has(session.id()) || has(session.route()) || has(session.remoteAddress()) || has(node)
        || has(user.value(u"id"_s).toString()) || has(user.value(u"name"_s).toString()))
        return true;
    return std::any_of(session.rooms().cbegin(), session.rooms().cend(), has);
}

SortValue sortValue(const Session &session, const QString &key, const QString &node)
{
    SortValue value{0, {}, session.id()};
    if (key == "connectedAt"_L1)
        value.number = session.connectedAt().toMSecsSinceEpoch();
    else if (key == "messagesIn"_L1)
        value.number = qint64(session.messagesIn());
    else if (key == "messagesOut"_L1)
        value.number = qint64(session.messagesOut());
    else if (key == "user"_L1)
        value.text = userId(session);
    else if (key == "route"_L1)
        value.text = session.route();
    else if (key == "address"_L1)
        value.text = session.remoteAddress();
    else if (key == "node"_L1)
        value.text = node;
    return value; // "id": the id alone decides
}

SortValue socketSortValue(const QJsonObject &row, const QString &key)
{
    SortValue value{0, {}, row.value("id"_L1).toString()};
    if (isNumberKey(key))
        value.number = row.value(key).toInteger();
    else if (key == "user"_L1)
        value.text = row.value("user"_L1).toObject().value("id"_L1).toString();
    else if (key != "id"_L1)
        value.text = row.value(key).toString();
    return value;
}

bool matches(const RoomInfo &room, const Query &query)
{
    if (!query.route.isEmpty() && room.route != query.route)
        return false;
    if (!query.room.isEmpty() && room.name != query.room)
        return false;
    return query.text.isEmpty() || room.name.contains(query.text, Qt::CaseInsensitive)
            || room.route.contains(query.text, Qt::CaseInsensitive);
}

SortValue sortValue(const RoomInfo &room, const QString &key)
{
    // Rooms are named within a route: the id that breaks ties is route + room.
    SortValue value{0, {}, room.route + u'\n' + room.name};
    if (key == "members"_L1)
        value.number = room.members;
    else if (key == "route"_L1)
        value.text = room.route;
    else
        value.text = room.name;
    return value;
}

} // namespace cortado::adminviews
